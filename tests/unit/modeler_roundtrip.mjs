// Reads a BPMN file with bpmn-moddle and the modeler's spiffworkflow descriptor and writes it back,
// as the browser modeler does on import and save: `node modeler_roundtrip.mjs IN OUT`.
// Prints the import warnings (unknown elements, unresolved references) as JSON on stdout.
import { readFileSync, writeFileSync } from "node:fs";
import { BpmnModdle } from "bpmn-moddle";

const descriptor = JSON.parse(readFileSync(new URL("../../app/web/static/modeler/spiffworkflow.json", import.meta.url)));
const moddle = new BpmnModdle({ spiffworkflow: descriptor });
const [input, output] = process.argv.slice(2);
const { rootElement, warnings } = await moddle.fromXML(readFileSync(input, "utf8"), "bpmn:Definitions");
const { xml } = await moddle.toXML(rootElement, { format: true });
writeFileSync(output, xml);
console.log(JSON.stringify(warnings.map((warning) => warning.message)));
