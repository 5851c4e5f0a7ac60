// Lanes (the role whose holders do the lane's tasks), timers, loop maximum, messages and their
// correlation, and the conditions on sequence flows.
import { ExtensionWriter, firstExtension, isA, propertyValue, setProperty } from "./extensions.js";
import { choices, formalExpression, selectEntry, textEntry, updateModdle } from "./entries.js";
import { TIMER_KINDS, isUnquotedLiteral, positiveIntegerProblem, timerProblem, unquoted } from "./values.js";

export function laneEntries(element, { injector, catalogue, t }) {
  const bo = element.businessObject;
  if (!isA(bo, "bpmn:Lane")) return [];
  const nameIsRole = !propertyValue(bo, "role") && catalogue.roles.some((role) => role.id === bo.name);
  return [selectEntry({
    id: "relayflow-lane-role", label: t.laneRole, description: nameIsRole ? t.laneNameIsRole : t.laneRoleHelp,
    get: () => propertyValue(bo, "role"),
    set: (value) => setProperty(injector, element, "role", value),
    options: () => choices(t.none, catalogue.roles.map((role) => ({ value: role.id, label: `${role.label} (${role.id})` })),
      propertyValue(bo, "role"), t.unknown),
  })];
}

export function timerEntries(element, { injector, t }) {
  const definition = (element.businessObject.eventDefinitions || []).find((d) => isA(d, "bpmn:TimerEventDefinition"));
  if (!definition) return [];
  const kind = Object.keys(TIMER_KINDS).find((name) => definition[name]) || "timeDuration";
  return [textEntry({
    id: "relayflow-timer", label: t.timer[kind], description: t.timerHelp,
    get: () => unquoted(definition[kind] && definition[kind].body),
    validate: (value) => timerProblem(kind, value),
    set: (value) => {
      // The engine evaluates a timer as Python: an ISO-8601 literal is written quoted ("PT2H").
      const body = isUnquotedLiteral(kind, value) ? JSON.stringify(value.trim()) : value.trim();
      if (definition[kind]) updateModdle(injector, element, definition[kind], { body });
      else updateModdle(injector, element, definition, { [kind]: formalExpression(injector, body, definition) });
    },
  })];
}

export function loopEntries(element, { injector, t }) {
  const loop = element.businessObject.loopCharacteristics;
  if (!isA(loop, "bpmn:StandardLoopCharacteristics")) return [];
  return [
    textEntry({
      id: "relayflow-loop-maximum", label: t.loopMaximum, description: t.loopMaximumHelp,
      get: () => (loop.loopMaximum === undefined ? "" : String(loop.loopMaximum)),
      validate: (value) => (value.trim() ? positiveIntegerProblem(value) : null),
      set: (value) => updateModdle(injector, element, loop, { loopMaximum: value.trim() ? Number(value) : undefined }),
    }),
    textEntry({
      id: "relayflow-loop-condition", label: t.loopCondition, description: t.expressionHelp,
      get: () => loop.loopCondition && loop.loopCondition.body,
      set: (value) => setExpression(injector, element, loop, "loopCondition", value),
    }),
  ];
}

function messageHolder(bo) {
  if (isA(bo, "bpmn:ReceiveTask") || isA(bo, "bpmn:SendTask")) return bo;
  return (bo.eventDefinitions || []).find((d) => isA(d, "bpmn:MessageEventDefinition"));
}

export function messageEntries(element, { injector, t }) {
  const bo = element.businessObject;
  const holder = messageHolder(bo);
  if (!holder) return [];
  const definitions = injector.get("bpmnjs").getDefinitions();
  const messages = () => (definitions.rootElements || []).filter((root) => isA(root, "bpmn:Message"));
  const extension = (type, field) => ({
    get: () => (firstExtension(bo, type) || {})[field],
    set: (value) => {
      const writer = new ExtensionWriter(injector, element);
      if (!value.trim() && !firstExtension(bo, type)) return;
      writer.update(writer.container(type, {}), { [field]: value.trim() || undefined });
      writer.execute();
    },
  });
  const entries = [selectEntry({
    id: "relayflow-message", label: t.message, description: t.messageHelp,
    get: () => holder.messageRef && holder.messageRef.id,
    set: (id) => updateModdle(injector, element, holder, { messageRef: messages().find((m) => m.id === id) }),
    options: () => [{ value: "", label: t.none }, ...messages().map((m) => ({ value: m.id, label: m.name || m.id }))],
  })];
  if (holder.messageRef) {
    entries.push(textEntry({
      id: "relayflow-message-name", label: t.messageName, description: t.messageNameHelp,
      get: () => holder.messageRef.name,
      set: (value) => updateModdle(injector, element, holder.messageRef, { name: value.trim() }),
    }));
  }
  if (isA(bo, "bpmn:SendTask") || isA(bo, "bpmn:ThrowEvent")) return entries;
  return [...entries,
    textEntry({ id: "relayflow-message-variable", label: t.messageVariable, description: t.messageVariableHelp,
      ...extension("spiffworkflow:MessageVariable", "value") }),
    textEntry({ id: "relayflow-correlation-property", label: t.correlationProperty, description: t.correlationPropertyHelp,
      ...extension("spiffworkflow:ProcessVariableCorrelation", "propertyId") }),
    textEntry({ id: "relayflow-correlation-expression", label: t.correlationExpression, description: t.expressionHelp,
      ...extension("spiffworkflow:ProcessVariableCorrelation", "expression") }),
  ];
}

export function conditionEntries(element, { injector, t }) {
  const bo = element.businessObject;
  if (!isA(bo, "bpmn:SequenceFlow")) return [];
  const source = bo.sourceRef;
  const branches = isA(source, "bpmn:ExclusiveGateway") || isA(source, "bpmn:InclusiveGateway");
  if (!branches && !bo.conditionExpression) return [];
  const isDefault = source && source.default === bo;
  return [textEntry({
    id: "relayflow-condition", label: t.condition, description: isDefault ? t.conditionDefault : t.expressionHelp,
    get: () => bo.conditionExpression && bo.conditionExpression.body,
    set: (value) => setExpression(injector, element, bo, "conditionExpression", value),
  })];
}

function setExpression(injector, element, owner, name, value) {
  if (!value.trim()) updateModdle(injector, element, owner, { [name]: undefined });
  else if (owner[name]) updateModdle(injector, element, owner[name], { body: value });
  else updateModdle(injector, element, owner, { [name]: formalExpression(injector, value, owner) });
}
