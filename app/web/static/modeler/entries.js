// Generic entries of the relayflow group: a text field, a text area or a select, each reading and
// writing through plain functions of the element (see entries-*.js for what they edit).
import { h } from "@bpmn-io/properties-panel/preact";
import {
  SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";

export function textEntry({ id, label, description, get, set, validate, area }) {
  return {
    id,
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited,
    component: (props) => h(area ? TextAreaEntry : TextFieldEntry, {
      element: props.element, id, label, description, validate,
      getValue: () => get() ?? "",
      setValue: (value, error) => { if (!error) set(value); }, // a refused value is shown, never written
      debounce: useService("debounceInput"),
    }),
  };
}

export function selectEntry({ id, label, description, get, set, options }) {
  return {
    id,
    isEdited: isSelectEntryEdited,
    component: (props) => h(SelectEntry, {
      element: props.element, id, label, description,
      getValue: () => get() ?? "",
      setValue: (value) => set(value),
      getOptions: () => options(),
    }),
  };
}

// The options of a select: a blank first choice, the known values, and the current value when it
// is unknown (so the panel shows what the file says instead of silently showing another value).
export function choices(blankLabel, known, current, unknownLabel) {
  const options = [{ value: "", label: blankLabel }, ...known];
  if (current && !known.some((option) => option.value === current)) {
    options.push({ value: current, label: `${current} (${unknownLabel})` });
  }
  return options;
}

// Writing a flow element's own BPMN property (a condition, a loop maximum) as one undoable command.
export function updateModdle(injector, element, moddleElement, properties) {
  injector.get("modeling").updateModdleProperties(element, moddleElement, properties);
}

export function formalExpression(injector, body, parent) {
  const expression = injector.get("moddle").create("bpmn:FormalExpression", { body });
  expression.$parent = parent;
  return expression;
}
