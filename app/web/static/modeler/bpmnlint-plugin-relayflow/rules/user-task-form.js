// A user task needs a form: a validator that is installed (lint.py _validator_problems) or a
// JSON-Schema ``form``; its due_in (lint.py _due_problems) and max_customers must be valid.
import { isA, propertyValue } from "../../extensions.js";
import { dueInProblem, positiveIntegerProblem } from "../../values.js";

export default function userTaskForm(config = {}) {
  const validators = new Set(config.validators || []);
  const known = [...validators].sort().join(", ") || "(none installed)";
  return {
    check(node, reporter) {
      if (!isA(node, "bpmn:UserTask")) return;
      const validator = propertyValue(node, "validator");
      const form = propertyValue(node, "form");
      if (validator !== undefined && !validators.has(validator)) {
        reporter.report(node.id, `user task names validator '${validator}', which is not installed; known: ${known}`);
      }
      if (validator === undefined && !form) {
        reporter.report(node.id, "user task has no form: choose a validator or write a form");
      }
      if (form) {
        try { JSON.parse(form); } catch (error) { reporter.report(node.id, `user task form is not JSON: ${error.message}`); }
      }
    },
  };
}

export function dueIn() {
  return {
    check(node, reporter) {
      if (!isA(node, "bpmn:UserTask")) return;
      const value = propertyValue(node, "due_in");
      const problem = value === undefined ? null : dueInProblem(value);
      if (problem) reporter.report(node.id, `user task due time due_in is refused: ${problem}`);
    },
  };
}

export function maxCustomers() {
  return {
    check(node, reporter) {
      if (!isA(node, "bpmn:UserTask")) return;
      const value = propertyValue(node, "max_customers");
      const problem = value === undefined ? null : positiveIntegerProblem(value);
      if (problem) reporter.report(node.id, `max_customers ${problem}`);
    },
  };
}
