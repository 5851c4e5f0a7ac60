// lint.py _timer_problems: a timer is an ISO-8601 literal of its kind (quoted or not) or a variable's
// name. An unquoted literal is only a warning: the engine needs it quoted, which the panel writes and
// the deploy does on its own copy.
import { isA } from "../../extensions.js";
import { TIMER_KINDS, isUnquotedLiteral, timerProblem } from "../../values.js";

export default function timerValue() {
  return {
    check(node, reporter) {
      for (const definition of node.eventDefinitions || []) {
        if (!isA(definition, "bpmn:TimerEventDefinition")) continue;
        for (const kind of Object.keys(TIMER_KINDS)) {
          if (!definition[kind]) continue;
          const text = definition[kind].body;
          const problem = timerProblem(kind, text);
          if (problem) reporter.report(node.id, problem);
        }
      }
    },
  };
}

export function unquotedTimer() {
  return {
    check(node, reporter) {
      for (const definition of node.eventDefinitions || []) {
        if (!isA(definition, "bpmn:TimerEventDefinition")) continue;
        for (const kind of Object.keys(TIMER_KINDS)) {
          const text = definition[kind] && definition[kind].body;
          if (text && isUnquotedLiteral(kind, text)) {
            reporter.report(node.id, `timer ${text.trim()} is not quoted: write "${text.trim()}" (the panel does)`);
          }
        }
      }
    },
  };
}
