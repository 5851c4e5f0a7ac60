// Service tasks (operator, result variable, each parameter's expression) and user tasks (validator,
// JSON-Schema form, due_in, max_customers): the spiffworkflow extension elements the runtime reads.
import { ExtensionWriter, isA, operatorOf, parametersOf, propertyValue, setProperty } from "./extensions.js";
import { choices, selectEntry, textEntry } from "./entries.js";
import { dueInProblem, positiveIntegerProblem } from "./values.js";

export function serviceTaskEntries(element, { injector, catalogue, t }) {
  const bo = element.businessObject;
  if (!isA(bo, "bpmn:ServiceTask")) return [];
  const operators = catalogue.operators;
  const current = () => (operatorOf(bo) && operatorOf(bo).id) || "";
  const known = operators.find((operator) => operator.name === current());
  const entries = [selectEntry({
    id: "relayflow-operator", label: t.operator,
    description: known ? known.help : (current() ? t.unknownOperator : t.chooseOperator),
    get: current,
    set: (name) => chooseOperator(injector, element, operators.find((operator) => operator.name === name), name),
    options: () => choices(t.none, operators.map((operator) => ({ value: operator.name, label: operator.name })),
      current(), t.unknown),
  })];
  if (!current()) return entries;
  entries.push(textEntry({
    id: "relayflow-result-variable", label: t.resultVariable, description: t.resultVariableHelp,
    get: () => operatorOf(bo).resultVariable,
    set: (value) => {
      const writer = new ExtensionWriter(injector, element);
      writer.update(operatorOf(bo), { resultVariable: value.trim() || undefined });
      writer.execute();
    },
  }));
  const listed = known ? known.params : [];
  const extra = parametersOf(bo).filter((parameter) => !listed.some((param) => param.name === parameter.id));
  for (const param of [...listed, ...extra.map((parameter) => ({ name: parameter.id, type: parameter.type,
    required: false, help: known && known.any_params ? "" : t.parameterUnknown }))]) {
    entries.push(textEntry({
      id: `relayflow-parameter-${param.name}`, label: `${t.parameter}: ${param.name}`,
      description: `${param.help} · ${t.expressionHelp}`,
      get: () => {
        const found = parametersOf(bo).find((parameter) => parameter.id === param.name);
        return found ? found.value : "";
      },
      set: (value) => setParameter(injector, element, param, value),
    }));
  }
  return entries;
}

function chooseOperator(injector, element, operator, name) {
  const writer = new ExtensionWriter(injector, element);
  if (!name) {
    writer.removeContainer("spiffworkflow:ServiceTaskOperator");
    writer.execute();
    return;
  }
  const container = writer.container("spiffworkflow:ServiceTaskOperator", {});
  writer.update(container, { id: name });
  const existing = parametersOf(element.businessObject);
  const params = writer.create("spiffworkflow:Parameters", { parameters: [] }, container);
  const kept = operator && !operator.any_params
    ? operator.params.map((param) => existing.find((parameter) => parameter.id === param.name)
      || (param.required ? writer.create("spiffworkflow:Parameter",
        { id: param.name, type: param.type, value: "" }, params) : null)).filter(Boolean)
    : existing;
  kept.forEach((parameter) => { parameter.$parent = params; });
  params.parameters = kept;
  writer.update(container, { parameterList: params });
  writer.execute();
}

function setParameter(injector, element, param, value) {
  const writer = new ExtensionWriter(injector, element);
  const operator = operatorOf(element.businessObject);
  let params = operator.parameterList;
  if (!params) {
    params = writer.create("spiffworkflow:Parameters", { parameters: [] }, operator);
    writer.update(operator, { parameterList: params });
  }
  const list = params.parameters || [];
  const found = list.find((parameter) => parameter.id === param.name);
  if (!value.trim() && !param.required) {
    if (found) writer.update(params, { parameters: list.filter((parameter) => parameter !== found) });
  } else if (found) {
    writer.update(found, { value });
  } else {
    const created = writer.create("spiffworkflow:Parameter", { id: param.name, type: param.type, value }, params);
    writer.update(params, { parameters: [...list, created] });
  }
  writer.execute();
}

export function userTaskEntries(element, { injector, catalogue, t }) {
  const bo = element.businessObject;
  if (!isA(bo, "bpmn:UserTask")) return [];
  const property = (name) => ({ get: () => propertyValue(bo, name), set: (value) => setProperty(injector, element, name, value.trim()) });
  const validator = propertyValue(bo, "validator");
  const help = catalogue.validators.find((entry) => entry.name === validator);
  return [
    selectEntry({
      id: "relayflow-validator", label: t.validator, description: help ? help.help : t.validatorHelp,
      ...property("validator"),
      options: () => choices(t.none, catalogue.validators.map((entry) => ({ value: entry.name, label: entry.name })),
        propertyValue(bo, "validator"), t.unknown),
    }),
    textEntry({
      id: "relayflow-form", label: t.form, description: t.formHelp, area: true, ...property("form"),
      validate: (value) => jsonProblem(value, t),
    }),
    textEntry({ id: "relayflow-due-in", label: t.dueIn, description: t.dueInHelp, ...property("due_in"),
      validate: (value) => (value.trim() ? dueInProblem(value) : null) }),
    textEntry({ id: "relayflow-max-customers", label: t.maxCustomers, description: t.maxCustomersHelp,
      ...property("max_customers"), validate: (value) => (value.trim() ? positiveIntegerProblem(value) : null) }),
  ];
}

function jsonProblem(value, t) {
  if (!value.trim()) return null;
  try {
    const schema = JSON.parse(value);
    return schema && typeof schema === "object" && !Array.isArray(schema) ? null : t.formNotObject;
  } catch (error) {
    return `${t.formNotJson}: ${error.message}`;
  }
}
