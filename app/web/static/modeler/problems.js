// The problems list under the diagram: the server's check of the saved revision (element id, name,
// line, message) and the browser lint's findings; clicking one selects its element. Server problems
// are also marked on their elements.

export function shapeIdFor(modeler, id) {
  const registry = modeler.get("elementRegistry");
  if (!id) return null;
  if (registry.get(id)) return id;
  // an id inside an element (a timer definition, a loop): the shape that holds it
  const holder = registry.find((element) => {
    const bo = element.businessObject;
    return bo && ((bo.eventDefinitions || []).some((d) => d.id === id) || (bo.loopCharacteristics && bo.loopCharacteristics.id === id));
  });
  return holder ? holder.id : null;
}

export function selectElement(modeler, id) {
  const shapeId = shapeIdFor(modeler, id);
  if (!shapeId) return false;
  const element = modeler.get("elementRegistry").get(shapeId);
  const canvas = modeler.get("canvas");
  const root = canvas.findRoot(element);
  if (root && root !== canvas.getRootElement()) canvas.setRootElement(root); // inside a collapsed subprocess
  try { modeler.get("selection").select(element); } catch (_) { /* a viewer selects nothing */ }
  canvas.scrollToElement(element);
  return true;
}

export class ProblemList {
  constructor(table, texts, onPick, nameOf) {
    this.table = table;
    this.nameOf = nameOf; // a problem without a name: its element's name in the diagram
    this.texts = texts;
    this.onPick = onPick;
    this.marked = [];
    if (!table) return; // a read-only page has no list of the browser lint
    table.addEventListener("click", (event) => {
      const row = event.target.closest("tr[data-element-id]");
      if (row) onPick(row.dataset.elementId, row.dataset.file);
    });
  }

  show(problems) {
    if (!this.table) return;
    const body = this.table.querySelector("tbody");
    body.replaceChildren(...problems.map((problem) => this.row(problem)));
    this.table.hidden = problems.length === 0;
  }

  row(problem) {
    const row = document.createElement("tr");
    if (problem.element_id) row.dataset.elementId = problem.element_id;
    if (problem.file) row.dataset.file = problem.file;
    row.className = problem.severity === "error" ? "problem-error" : "problem-warning";
    const where = problem.file && this.manyFiles ? `${problem.file} · ${problem.element_id || ""}` : problem.element_id;
    for (const text of [where || "", problem.name || this.nameOf(problem.element_id) || "",
      problem.line ?? "", problem.message]) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      row.append(cell);
    }
    return row;
  }

  // Marks the problems of the file on the canvas (a problem without a file belongs to every file).
  mark(modeler, problems, file) {
    const canvas = modeler.get("canvas");
    const registry = modeler.get("elementRegistry");
    // after another file was imported, the marked elements are gone with the diagram they were on
    for (const [id, marker] of this.marked) if (registry.get(id)) canvas.removeMarker(id, marker);
    this.marked = [];
    for (const problem of problems) {
      if (problem.file && file && problem.file !== file) continue;
      const shapeId = shapeIdFor(modeler, problem.element_id);
      if (!shapeId) continue;
      const marker = problem.severity === "error" ? "rf-problem" : "rf-problem-warning";
      canvas.addMarker(shapeId, marker);
      this.marked.push([shapeId, marker]);
    }
  }
}

// bpmn-js-bpmnlint's grouped issues → problems, each with the element the rule reported on.
export function lintProblems(issues) {
  const problems = [];
  for (const list of Object.values(issues || {})) {
    for (const issue of list) {
      const id = issue.actualElementId || issue.id;
      problems.push({ element_id: id, name: "", line: null, message: issue.message,
        severity: issue.category === "error" ? "error" : "warning", rule: issue.rule });
    }
  }
  return problems.sort((a, b) => a.element_id.localeCompare(b.element_id));
}
