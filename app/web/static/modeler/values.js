// The values an analyst types in the properties panel, checked the way the server's deploy lint
// (app/runtime/deployment/lint.py, timer_values.py, engine/projection.py parse_due_in) checks them:
// the panel refuses what the server would refuse, and the browser lint rules say the same.

const NUMBER = "\\d+(?:[.,]\\d+)?";
const ISO_DURATION = new RegExp(
  `^P(?=[\\dT])(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?` +
  `(?:T(?=\\d)(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DUE_IN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const TIMER_KINDS = {
  timeDuration: { holds: "duration", example: "PT2H", accepts: isIsoDuration },
  timeCycle: { holds: "cycle", example: "R3/PT30M", accepts: isIsoCycle },
  timeDate: { holds: "date", example: "2025-06-01T09:00:00+00:00", accepts: (v) => ISO_DATE.test(v) && !isNaN(Date.parse(v)) },
};

export function isIsoDuration(value) {
  return ISO_DURATION.test(value) && /\d/.test(value);
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
  if (VARIABLE.test(value)) return null;
  return `timer ${JSON.stringify(value)} is neither an ISO-8601 literal nor a variable name: ${advice}`;
}

// Whether a valid timer text is written without quotes (the engine needs them: the panel quotes on write).
export function isUnquotedLiteral(kind, text) {
  const value = (text || "").trim();
  return Boolean(value) && TIMER_KINDS[kind].accepts(value);
}
