// Generic entries of the relayflow group: a text field, a text area or a select, each reading and
// writing through plain functions of the element (see entries-*.js for what they edit).
import { h } from "@bpmn-io/properties-panel/preact";
import {
  SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";

// The entry components are defined once: the panel spreads each entry's fields into their props.
// A component made anew for every render would be a new component type to Preact, so each change
// of the element remounted every field of the group — and a value typed into a second field while
// the first one's write was pending was lost with the field it was typed into.
function TextEntry({ element, id, label, description, validate, get, set, area }) {
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label, description, validate,
    getValue: () => get() ?? "",
    setValue: (value, error) => { if (!error) set(value); }, // a refused value is shown, never written
    debounce: useService("debounceInput"),
  });
}

function SelectChoiceEntry({ element, id, label, description, get, set, options }) {
  return h(SelectEntry, {
    element, id, label, description,
    getValue: () => get() ?? "",
    setValue: (value) => set(value),
    getOptions: () => options(),
  });
}

export function textEntry({ id, label, description, get, set, validate, area }) {
  return { id, label, description, get, set, validate, area, component: TextEntry,
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited };
}

export function selectEntry({ id, label, description, get, set, options }) {
  return { id, label, description, get, set, options, component: SelectChoiceEntry, isEdited: isSelectEntryEdited };
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
