// The decision tables of a draft (*.dmn, issue 16): dmn-js in its decision table view, in a container
// of its own beside the diagram's. Analysts get the Modeler (cells, rules, columns, hit policy); anyone
// else the Viewer. The draft page imports and saves a .dmn file through it as it does a .bpmn file
// through bpmn-js, so the same Save, revision check and problems apply.
import "dmn-js/dist/assets/dmn-js-shared.css";
import "dmn-js/dist/assets/dmn-js-decision-table.css";
import "dmn-js/dist/assets/dmn-js-decision-table-controls.css";
import "dmn-js/dist/assets/dmn-font/css/dmn-embedded.css";

import DmnModeler from "dmn-js/lib/Modeler";
import DmnViewer from "dmn-js/lib/Viewer";

export function isTableFile(name) {
  return /\.dmn$/i.test(name || "");
}

export class TableEditor {
  constructor(container, canEdit) {
    this.container = container;
    const Editor = canEdit ? DmnModeler : DmnViewer;
    // only the decision table view: the DRD and literal expressions are not what analysts edit here
    this.dmn = new Editor({ container, common: { keyboard: { bindTo: window } } });
    this.listening = new WeakSet();
    this.onChange = () => {};
  }

  // Import a .dmn file and open its first decision table (what the draft's business rule tasks ask).
  async importXML(xml) {
    const result = await this.dmn.importXML(xml);
    const table = this.dmn.getViews().find((view) => view.type === "decisionTable");
    if (table) await this.dmn.open(table);
    const viewer = this.dmn.getActiveViewer();
    if (viewer && !this.listening.has(viewer)) {
      this.listening.add(viewer);
      viewer.on("elements.changed", () => this.onChange());
    }
    return { warnings: result.warnings || [], hasTable: Boolean(table) };
  }

  async saveXML() {
    return this.dmn.saveXML({ format: true });
  }

  show(visible) {
    this.container.hidden = !visible;
  }
}
