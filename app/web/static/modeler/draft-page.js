// What the draft page does around the modeler: load the draft, switch between its files, save (PUT
// with the revision it was based on), show the server's problems and the browser lint's, propose,
// and warn before leaving with unsaved changes.
import { callJson } from "./api.js";
import { ProblemList, lintProblems, selectElement, shapeIdFor } from "./problems.js";
import { TableEditor, isTableFile } from "./tables.js";

export class DraftPage {
  constructor(root, texts) {
    this.root = root;
    this.t = texts;
    this.find = (name) => root.querySelector(`[data-${name}]`);
    this.draftUrl = root.dataset.draftUrl;
    this.dirty = false;
    this.files = {};
    this.current = null;
    const nameOf = (id) => this.nameOf(id);
    this.serverProblems = new ProblemList(this.find("problems"), texts, (id, file) => this.pick(id, file), nameOf);
    this.lintList = new ProblemList(this.find("lint-problems"), texts, (id) => this.pick(id), nameOf);
    window.addEventListener("beforeunload", (event) => {
      if (!this.dirty) return;
      event.preventDefault();
      event.returnValue = texts.unsavedWarning;
    });
  }

  fail(answer) {
    this.say(answer.body.error || this.t.failed, "error");
  }

  say(text, kind = "info", action = null) {
    const box = this.find("message");
    box.className = `modeler-message ${kind === "error" ? "error-box" : kind === "warning" ? "warning-box" : "info-box"}`;
    box.replaceChildren(document.createTextNode(text));
    if (action) box.append(" ", action);
  }

  async open(modeler) {
    this.modeler = modeler;
    this.tables = null; // dmn-js, made when a .dmn file is first shown
    const answer = await callJson("GET", this.draftUrl);
    if (!answer.ok) return this.fail(answer);
    this.draft = answer.body;
    this.files = { ...this.draft.files };
    this.showRevision();
    this.fileChoice();
    await this.importFile(this.draft.main_file || Object.keys(this.files)[0]);
    this.showServerProblems(this.draft.revision);
    if (this.root.dataset.canEdit !== "1") return;
    modeler.on("commandStack.changed", () => this.changed(true));
    modeler.on("linting.completed", ({ issues }) => this.showLint(issues));
    this.find("save").addEventListener("click", () => this.save());
    this.find("propose").addEventListener("submit", (event) => { event.preventDefault(); this.propose(); });
    this.find("save").disabled = false;
  }

  changed(dirty) {
    this.dirty = dirty;
    this.find("dirty").hidden = !dirty;
    const propose = this.find("propose").querySelector("button");
    propose.disabled = dirty;
    propose.title = dirty ? this.t.saveFirst : "";
  }

  showRevision() {
    const revision = this.draft.revision || {};
    this.find("revision").textContent = revision.n === undefined ? this.t.noRevision
      : this.t.revisionLine.replace("{n}", revision.n).replace("{author}", revision.author || "")
        .replace("{at}", revision.saved_at ? new Date(revision.saved_at).toLocaleString() : "");
    this.find("status").textContent = this.draft.status || "";
  }

  fileChoice() {
    const select = this.find("file");
    const names = Object.keys(this.files).sort();
    select.replaceChildren(...names.map((name) => new Option(name, name)));
    select.closest("label").hidden = names.length < 2;
    this.serverProblems.manyFiles = names.length > 1;
    select.addEventListener("change", async () => {
      await this.keepCurrent();
      await this.importFile(select.value);
    });
  }

  tableEditor() {
    if (!this.tables) {
      this.tables = new TableEditor(this.find("tables"), this.root.dataset.canEdit === "1");
      if (this.root.dataset.canEdit === "1") this.tables.onChange = () => this.changed(true);
    }
    return this.tables;
  }

  // A .dmn file opens in dmn-js (its decision table), a .bpmn file in bpmn-js; one shows at a time.
  showEditor(table) {
    this.find("canvas").hidden = table;
    const panel = this.find("panel");
    if (panel) panel.hidden = table;
    if (table) this.tableEditor().show(true);
    else if (this.tables) this.tables.show(false);
  }

  async importFile(name) {
    this.current = name;
    this.find("file").value = name;
    if (isTableFile(name)) {
      this.showEditor(true);
      const { warnings, hasTable } = await this.tableEditor().importXML(this.files[name]);
      if (warnings.length) this.say(`${this.t.importWarnings}: ${warnings.map((w) => w.message).join("; ")}`, "warning");
      if (!hasTable) this.say(this.t.noDecisionTable, "warning");
      return;
    }
    this.showEditor(false);
    this.unshown = null;
    let warnings;
    try {
      ({ warnings } = await this.modeler.importXML(this.files[name]));
    } catch (error) {
      // a diagram bpmn-js cannot draw (one without a BPMNDiagram) stays as it is: Save keeps its text
      this.unshown = name;
      this.say(`${this.t.notShown}: ${error.message}`, "warning");
      return;
    }
    if (warnings.length) this.say(`${this.t.importWarnings}: ${warnings.map((w) => w.message).join("; ")}`, "warning");
    this.modeler.get("canvas").zoom("fit-viewport");
    this.serverProblems.mark(this.modeler, this.problems || [], name);
  }

  async keepCurrent() {
    if (isTableFile(this.current)) {
      const { xml } = await this.tables.saveXML();
      this.files[this.current] = xml;
      return;
    }
    if (this.unshown === this.current) return;
    const debounce = this.modeler.get("debounceInput", false);
    if (debounce && debounce.flush) debounce.flush();
    const { xml } = await this.modeler.saveXML({ format: true });
    this.files[this.current] = xml;
  }

  nameOf(id) {
    const shapeId = shapeIdFor(this.modeler, id);
    const element = shapeId && this.modeler.get("elementRegistry").get(shapeId);
    return (element && element.businessObject.name) || "";
  }

  showServerProblems(revision) {
    this.problems = (revision && revision.problems) || [];
    this.serverProblems.show(this.problems);
    if (!isTableFile(this.current)) this.serverProblems.mark(this.modeler, this.problems, this.current);
    this.find("problems-none").hidden = !revision || this.problems.length > 0;
  }

  showLint(issues) {
    this.lint = lintProblems(issues);
    this.lintList.show(this.lint);
  }

  async pick(id, file) {
    if (isTableFile(this.current) && (!file || file === this.current)) return; // the table is in view
    if ((!file || file === this.current) && selectElement(this.modeler, id)) return;
    const other = file && file !== this.current && this.files[file] ? file
      : Object.keys(this.files).find((name) => name !== this.current && this.files[name].includes(`id="${id}"`));
    if (!other) return;
    await this.keepCurrent();
    await this.importFile(other);
    if (!isTableFile(other)) selectElement(this.modeler, id);
  }

  async save() {
    const button = this.find("save");
    button.disabled = true;
    try {
      await this.keepCurrent();
      const answer = await callJson("PUT", this.draftUrl, { files: this.files, base_revision: this.draft.revision ? this.draft.revision.n : 0 });
      if (answer.ok) {
        this.draft.revision = answer.body.revision;
        this.showRevision();
        this.showServerProblems(answer.body.revision);
        this.changed(false);
        const count = this.problems.length;
        this.say(count ? this.t.savedWithProblems.replace("{n}", answer.body.revision.n).replace("{count}", count)
          : this.t.saved.replace("{n}", answer.body.revision.n), count ? "warning" : "info");
      } else if (answer.status === 409) {
        const reload = document.createElement("button");
        reload.type = "button";
        reload.textContent = this.t.reload;
        reload.dataset.testid = "reload";
        reload.addEventListener("click", () => { this.dirty = false; window.location.reload(); });
        this.say(`${this.t.stale} ${answer.body.error || ""}`.trim(), "error", reload);
      } else {
        if (answer.body.problems) this.showServerProblems({ problems: answer.body.problems });
        this.say(answer.status === 403 ? `${this.t.forbidden} ${answer.body.error || ""}` : (answer.body.error || this.t.failed), "error");
      }
    } finally {
      button.disabled = false;
    }
  }

  async propose() {
    const form = this.find("propose");
    const comment = form.querySelector("input[name=comment]").value.trim();
    if (!comment) return this.say(this.t.commentNeeded, "error");
    const answer = await callJson("POST", `${this.draftUrl}/proposals`, { comment });
    if (answer.ok) {
      this.say(this.t.proposed, "info");
      form.querySelector("input[name=comment]").value = "";
    } else {
      if (answer.body.problems) this.showServerProblems({ problems: answer.body.problems });
      this.say(answer.status === 422 ? this.t.cannotPropose : (answer.body.error || this.t.failed), "error");
    }
  }
}
