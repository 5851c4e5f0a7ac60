// relayflow instance detail (and the audit case and version pages): the instance's deployed BPMN in
// the shared viewer (diagram_viewer.js), with the path taken, the current position and incidents.
// Without bpmn-js (npm ci not run) or without JavaScript the page still lists tasks, incidents
// and the history; only the picture is missing, and the page says so.
"use strict";

(function () {
  const container = document.getElementById("diagram");
  if (!container) return;
  const fallback = document.querySelector("[data-diagram-fallback]");
  const MARKERS = [
    ["completed", "rf-completed"], ["taken_flows", "rf-taken"], ["active", "rf-active"],
    ["tasks", "rf-task"], ["incidents", "rf-incident"],
  ];

  function fail(reason) {
    container.hidden = true;
    fallback.hidden = false;
    if (reason) fallback.append(" (" + reason + ")");
    container.dataset.state = "failed";
  }

  async function load() {
    const response = await fetch(container.dataset.url, {
      credentials: "same-origin", headers: {Accept: "application/json"},
    });
    const diagram = await response.json();
    if (!response.ok) throw new Error(diagram.error || response.statusText);
    return diagram;
  }

  function childrenLink() {
    const link = document.createElement("a");
    link.className = "rf-children";
    link.href = container.dataset.childrenUrl;
    link.textContent = container.dataset.childrenLabel + " →";
    return link;
  }

  async function render() {
    const diagram = await load();
    const viewer = await window.relayflowDiagram.show(container, diagram.xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const marked = {};
    for (const [key, marker] of MARKERS) {
      marked[key] = (diagram.highlights[key] || []).filter((id) => registry.get(id));
      marked[key].forEach((id) => canvas.addMarker(id, marker));
    }
    if (container.dataset.childrenUrl) {
      const overlays = viewer.get("overlays");
      (diagram.highlights.spawns_children || []).filter((id) => registry.get(id)).forEach((id) => {
        overlays.add(id, "rf-children", {position: {bottom: -6, left: 0}, html: childrenLink()});
      });
    }
    container.dataset.state = "ready";  // browser tests wait for this
    container.dataset.marked = JSON.stringify(marked);
    // Other pages (the auditor's case page) drive the markers themselves from here on.
    container.dispatchEvent(new CustomEvent("diagram-ready", {detail: {canvas: canvas, registry: registry, marked: marked}}));
  }

  render().catch((error) => fail(error && error.message));
})();
