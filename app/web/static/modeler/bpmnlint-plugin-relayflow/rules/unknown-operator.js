// lint.py _operator_problems: a service task's operator must be in the handler table.
import { operatorOf } from "../../extensions.js";

export default function unknownOperator(config = {}) {
  const operators = new Set(config.operators || []);
  const known = [...operators].sort().join(", ") || "(none registered)";
  return {
    check(node, reporter) {
      const operator = operatorOf(node);
      if (!operator) return;
      if (!operator.id) reporter.report(node.id, `service task operator has no id; known operators: ${known}`);
      else if (!operators.has(operator.id)) reporter.report(node.id, `unknown service operator '${operator.id}'`);
    },
  };
}
