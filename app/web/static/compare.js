// relayflow compare page: both sides' diagrams in the shared viewer (diagram_viewer.js), the elements
// added (green), removed (red) and changed (amber) marked on each. The table of changes is in the
// page itself: without JavaScript only the pictures are missing, and the page says so.
"use strict";

(function () {
  const root = document.getElementById("compare");
  if (!root) return;
  const fallback = document.querySelector("[data-diagram-fallback]");

  async function show(container, xml, markers) {
    const viewer = await window.relayflowDiagram.show(container, xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const marked = Object.entries(markers).filter(([id]) => registry.get(id));
    marked.forEach(([id, kind]) => canvas.addMarker(id, "rf-" + kind));
    container.dataset.marked = JSON.stringify(Object.fromEntries(marked));
    container.dataset.state = "ready";  // browser tests wait for this
  }

  async function render() {
    const response = await fetch(root.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    const found = await response.json();
    if (!response.ok) throw new Error(found.error || response.statusText);
    await show(root.querySelector("[data-side=a]"), found.a.xml, found.markers_a);
    await show(root.querySelector("[data-side=b]"), found.b.xml, found.markers_b);
  }

  render().catch((error) => {
    fallback.hidden = false;
    if (error && error.message) fallback.append(" (" + error.message + ")");
    root.dataset.state = "failed";
  });
})();
