// Reading and writing the spiffworkflow extension elements of a BPMN element (the moddle types of
// spiffworkflow.json). Every write is one undoable command of the properties panel's multi-command
// executor, so the analyst's Ctrl+Z takes back a whole field change.

export function isA(bo, type) {
  return Boolean(bo && bo.$instanceOf && bo.$instanceOf(type));
}

export function extensionsOf(bo, type) {
  const values = (bo && bo.extensionElements && bo.extensionElements.values) || [];
  return values.filter((value) => isA(value, type));
}

export function firstExtension(bo, type) {
  return extensionsOf(bo, type)[0];
}

// A spiffworkflow:property's value (undefined when the element has none of that name).
export function propertyValue(bo, name) {
  const properties = firstExtension(bo, "spiffworkflow:Properties");
  const found = properties && (properties.properties || []).find((property) => property.name === name);
  return found ? found.value : undefined;
}

export function operatorOf(bo) {
  return firstExtension(bo, "spiffworkflow:ServiceTaskOperator");
}

export function parametersOf(bo) {
  const operator = operatorOf(bo);
  return (operator && operator.parameterList && operator.parameterList.parameters) || [];
}

// Builds the commands that change extension elements, creating the containers they need.
export class ExtensionWriter {
  constructor(injector, element) {
    this.element = element;
    this.bo = element.businessObject;
    this.moddle = injector.get("moddle");
    this.commandStack = injector.get("commandStack");
    this.commands = [];
  }

  update(moddleElement, properties) {
    this.commands.push({ cmd: "element.updateModdleProperties",
      context: { element: this.element, moddleElement, properties } });
  }

  create(type, properties, parent) {
    const created = this.moddle.create(type, properties);
    created.$parent = parent;
    return created;
  }

  extensionElements() {
    if (!this.bo.extensionElements) {
      this.update(this.bo, { extensionElements: this.create("bpmn:ExtensionElements", { values: [] }, this.bo) });
    }
    return this._pendingValue(this.bo, "extensionElements");
  }

  // The container of ``type`` among the extension elements, created (empty) when missing.
  container(type, properties = {}) {
    const extensions = this.extensionElements();
    const values = this._pendingValue(extensions, "values") || [];
    let found = values.find((value) => isA(value, type));
    if (!found) {
      found = this.create(type, properties, extensions);
      this.update(extensions, { values: [...values, found] });
    }
    return found;
  }

  removeContainer(type) {
    const extensions = this.bo.extensionElements;
    if (!extensions) return;
    const values = extensions.values || [];
    if (values.some((value) => isA(value, type))) {
      this.update(extensions, { values: values.filter((value) => !isA(value, type)) });
    }
  }

  setProperty(name, value) {
    const blank = value === undefined || value === null || String(value).trim() === "";
    if (blank && propertyValue(this.bo, name) === undefined) return this;
    const properties = this.container("spiffworkflow:Properties", { properties: [] });
    const list = this._pendingValue(properties, "properties") || [];
    const found = list.find((property) => property.name === name);
    if (blank) {
      this.update(properties, { properties: list.filter((property) => property !== found) });
    } else if (found) {
      this.update(found, { value: String(value) });
    } else {
      const created = this.create("spiffworkflow:Property", { name, value: String(value) }, properties);
      this.update(properties, { properties: [...list, created] });
    }
    return this;
  }

  // The value a property of an element has, counting the updates queued before this one.
  _pendingValue(target, name) {
    for (let index = this.commands.length - 1; index >= 0; index--) {
      const { moddleElement, properties } = this.commands[index].context;
      if (moddleElement === target && name in properties) return properties[name];
    }
    return target.get(name);
  }

  execute() {
    if (this.commands.length) this.commandStack.execute("properties-panel.multi-command-executor", this.commands);
  }
}

export function setProperty(injector, element, name, value) {
  new ExtensionWriter(injector, element).setProperty(name, value).execute();
}
