// bpmnlint-plugin-relayflow: the server's deploy lint (app/runtime/deployment/lint.py) in the browser,
// so the analyst sees a problem as they draw it. The catalogue (operators, roles, validators) is each
// rule's configuration: lintConfig(catalogue) builds the config and the resolver bpmn-js-bpmnlint takes.
import laneRole from "./rules/lane-role.js";
import timerValue, { unquotedTimer } from "./rules/timer-value.js";
import unknownOperator from "./rules/unknown-operator.js";
import userTaskForm, { dueIn, maxCustomers } from "./rules/user-task-form.js";

export const PLUGIN = "bpmnlint-plugin-relayflow";

export const rules = {
  "unknown-operator": unknownOperator,
  "lane-role": laneRole,
  "timer-value": timerValue,
  "unquoted-timer": unquotedTimer,
  "user-task-form": userTaskForm,
  "due-in": dueIn,
  "max-customers": maxCustomers,
};

export function lintConfig(catalogue) {
  const known = {
    operators: catalogue.operators.map((operator) => operator.name),
    roles: catalogue.roles.map((role) => role.id),
    validators: catalogue.validators.map((validator) => validator.name),
  };
  const config = { rules: {} };
  for (const name of Object.keys(rules)) {
    config.rules[`relayflow/${name}`] = [name === "unquoted-timer" ? "warn" : "error", known];
  }
  const resolver = {
    resolveRule(pkg, ruleName) {
      if (pkg !== PLUGIN || !rules[ruleName]) throw new Error(`unknown rule ${pkg}/${ruleName}`);
      return rules[ruleName];
    },
    resolveConfig(pkg, configName) {
      throw new Error(`unknown config ${pkg}/${configName}`);
    },
  };
  return { config, resolver };
}
