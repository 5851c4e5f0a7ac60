// The values an analyst types in the properties panel, checked the way the server's deploy lint
// (app/runtime/deployment/lint.py, timer_values.py, engine/projection.py parse_due_in) checks them:
// the panel refuses what the server would refuse, and the browser lint rules say the same.

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DUE_IN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NOT_TEXT = new Set(["None", "True", "False"]);
// What an attempt at an ISO 8601 value looks like, valid or not (timer_values.ISO_SHAPED).
const ISO_SHAPED = /^(?:(?:R\d*\/)?P[\dT][\dYMWDTHS.,]*(?:\/.*)?|R\d*\/.+|\d{4}-?\d{2}.*)$/i;
const DATE_PARTS = ["years", "months", "days"];
const TIME_PARTS = ["hours", "minutes", "seconds"];

function stripP(text) {
  return text.replace(/^p+/, "").replace(/p+$/, "");
}

// SpiffWorkflow's TimerEventDefinition.parse_iso_duration, step by step, so that the browser takes
// exactly the durations the engine takes (it is lenient: "R3/PT30M" reads as 30 minutes).
function spiffDuration(expression) {
  const parsed = {};
  let sawT = false;
  let current = stripP(expression.toLowerCase()).replace(/,/g, ".");
  for (const designator of ["years", "months", "weeks", "days", "t", "hours", "minutes", "seconds"]) {
    const at = current.indexOf(designator[0]);
    if (at < 0) continue;
    const duration = current.slice(0, at);
    const remainder = current.slice(at + 1);
    if (/^\d+$/.test(duration)) parsed[designator] = parseInt(duration, 10);
    else if (/^\d+$/.test(duration.replace(/\./g, "")) && !remainder) parsed[designator] = parseFloat(duration);
    if (designator in parsed || designator === "t") current = remainder;
    if (designator === "t") sawT = true;
  }
  const hasTime = TIME_PARTS.some((part) => part in parsed);
  if (current.length || hasTime !== sawT || ("weeks" in parsed && DATE_PARTS.some((part) => part in parsed))) return null;
  return parsed;
}

export const TIMER_KINDS = {
  timeDuration: { holds: "duration", example: "PT2H", accepts: isIsoDuration },
  timeCycle: { holds: "cycle", example: "R3/PT30M", accepts: isIsoCycle },
  timeDate: { holds: "date", example: "2025-06-01T09:00:00+00:00", accepts: (v) => ISO_DATE.test(v) && !isNaN(Date.parse(v)) },
};

export function isIsoDuration(value) {
  const parsed = spiffDuration(value);
  return Boolean(parsed) && Object.keys(parsed).length > 0;
}

export function isIsoCycle(value) {
  const match = /^R(\d*)\/(.+)$/.exec(value);
  if (!match) return false;
  return match[2].split("/").every((part) => isIsoDuration(part) || ISO_DATE.test(part));
}

// A user task's due_in: weeks, days, hours, minutes, seconds, not zero (parse_due_in).
export function dueInProblem(value) {
  const match = DUE_IN.exec((value || "").trim());
  if (!match || !match.slice(1).some(Boolean)) {
    return `${JSON.stringify(value)} is not an ISO-8601 duration such as PT4H, P1D or P1DT12H`;
  }
  if (match.slice(1).every((part) => !part || Number(part) === 0)) {
    return `${JSON.stringify(value)} is zero: a task cannot be due the moment it opens`;
  }
  return null;
}

export function positiveIntegerProblem(value) {
  return /^\s*[1-9]\d*\s*$/.test(value || "") ? null : `${JSON.stringify(value)} is not a positive whole number`;
}

// The text of a timer literal as the panel shows it: "PT2H" (quoted, as the engine evaluates it) → PT2H.
export function unquoted(text) {
  const value = (text || "").trim();
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2].trim() : value;
}

// Why a timer's text is wrong (null: fine). Like lint.py's _timer_message: an ISO-8601 literal of
// its kind, quoted or not, or a process variable's name.
export function timerProblem(kind, text) {
  const timer = TIMER_KINDS[kind];
  const advice = `timer must be an ISO-8601 ${timer.holds} such as ${timer.example} or a variable name`;
  const value = (text || "").trim();
  if (!value) return `timer has no expression: ${advice}`;
  if (timer.accepts(value)) return null;
  const quoted = /^(["'])(.*)\1$/.exec(value);
  if (quoted) return timer.accepts(quoted[2].trim()) ? null : `timer ${value} is not a valid ISO-8601 ${timer.holds}: ${advice}`;
  if (ISO_SHAPED.test(value)) return `timer ${JSON.stringify(value)} is not a valid ISO-8601 ${timer.holds}: ${advice}`;
  if (VARIABLE.test(value) && !NOT_TEXT.has(value)) return null;
  return `timer ${JSON.stringify(value)} is neither an ISO-8601 literal nor a variable name: ${advice}`;
}

// Whether a valid timer text is written without quotes (the engine needs them: the panel quotes on write).
export function isUnquotedLiteral(kind, text) {
  const value = (text || "").trim();
  return Boolean(value) && TIMER_KINDS[kind].accepts(value);
}
