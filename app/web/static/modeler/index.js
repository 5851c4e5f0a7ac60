// The draft page (/processes/<id>/drafts/<draft>): bpmn-js Modeler with the properties panel, the
// relayflow group and moddle descriptor, and bpmnlint in the browser — all bundled by esbuild into
// app/web/static/build/modeler.js and served by the app (no CDN). Analysts edit; anyone else signed in
// gets the diagram read-only.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";
import "bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css";
import "./modeler.css";

import Modeler from "bpmn-js/lib/Modeler";
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import lintModule from "bpmn-js-bpmnlint";

import spiffworkflow from "./spiffworkflow.json";
import RelayflowPropertiesProvider from "./provider.js";
import { lintConfig } from "./bpmnlint-plugin-relayflow/index.js";
import { DraftPage } from "./draft-page.js";
import { callJson } from "./api.js";
import { selectElement } from "./problems.js";

// The panel writes a text field's value after a pause; Save, a new selection and a change of plane
// write what is still pending first (late, it would land after the panel moved to another element).
function FlushableDebounce(eventBus) {
  const pending = new Set();
  const debounceInput = (fn) => {
    let timer = null;
    let last = [];
    const run = () => { clearTimeout(timer); pending.delete(run); fn(...last); };
    return (...args) => {
      last = args;
      clearTimeout(timer);
      pending.add(run);
      timer = setTimeout(run, 300);
    };
  };
  debounceInput.flush = () => [...pending].forEach((run) => run());
  eventBus.on(["selection.changed", "root.set"], 5000, () => debounceInput.flush());
  return debounceInput;
}
FlushableDebounce.$inject = ["eventBus"];

const relayflowModule = {
  __init__: ["relayflowPropertiesProvider"],
  relayflowPropertiesProvider: ["type", RelayflowPropertiesProvider],
  debounceInput: ["factory", FlushableDebounce],
};

function createModeler(root, catalogue, texts) {
  if (root.dataset.canEdit !== "1") {
    return new NavigatedViewer({ container: root.querySelector("[data-canvas]"), moddleExtensions: { spiffworkflow } });
  }
  return new Modeler({
    container: root.querySelector("[data-canvas]"),
    propertiesPanel: { parent: root.querySelector("[data-panel]") },
    linting: { active: true, bpmnlint: lintConfig(catalogue) },
    relayflow: { catalogue, texts },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, lintModule, relayflowModule],
    moddleExtensions: { spiffworkflow },
  });
}

async function start() {
  const root = document.getElementById("modeler-page");
  if (!root) return;
  const texts = JSON.parse(document.getElementById("modeler-texts").textContent);
  const page = new DraftPage(root, texts);
  const catalogue = await callJson("GET", root.dataset.catalogueUrl);
  if (!catalogue.ok) return page.fail(catalogue);
  const modeler = createModeler(root, catalogue.body, texts);
  window.relayflowModeler = modeler; // the browser tests read the diagram through it
  window.relayflowSelect = (id) => selectElement(modeler, id);
  window.relayflowDraftPage = page; // and the decision tables through it
  await page.open(modeler);
}

start();
