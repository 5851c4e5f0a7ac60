// lint.py _lane_problems: a lane's role (its ``role`` property; a lane without one is read by its
// name, as before lanes kept people's names) must be a role id.
import { isA, propertyValue } from "../../extensions.js";

export default function laneRole(config = {}) {
  const roles = new Set(config.roles || []);
  const known = [...roles].join(", ");
  return {
    check(node, reporter) {
      if (!isA(node, "bpmn:Lane")) return;
      const role = propertyValue(node, "role") || node.name;
      if (!role) reporter.report(node.id, `lane has no role; choose one of: ${known}`);
      else if (!roles.has(role)) reporter.report(node.id, `lane '${role}' is not a role; choose one of: ${known}`);
    },
  };
}
