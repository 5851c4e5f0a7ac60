// The relayflow group of the properties panel: every property an analyst may set, as a form field
// (the catalogue of operators, validators and roles comes from GET /api/workbench/catalogue).
import { serviceTaskEntries, userTaskEntries } from "./entries-tasks.js";
import { conditionEntries, laneEntries, loopEntries, messageEntries, timerEntries } from "./entries-flow.js";

const ENTRY_BUILDERS = [serviceTaskEntries, userTaskEntries, laneEntries, timerEntries, loopEntries, messageEntries,
  conditionEntries];

export default function RelayflowPropertiesProvider(propertiesPanel, injector, config) {
  this.context = { injector, catalogue: config.catalogue, t: config.texts };
  propertiesPanel.registerProvider(500, this);
}

RelayflowPropertiesProvider.prototype.getGroups = function getGroups(element) {
  const context = this.context;
  return (groups) => {
    const entries = ENTRY_BUILDERS.flatMap((build) => build(element, context));
    if (entries.length) groups.splice(Math.min(1, groups.length), 0, { id: "relayflow", label: context.t.group, entries });
    return groups;
  };
};

RelayflowPropertiesProvider.$inject = ["propertiesPanel", "injector", "config.relayflow"];
