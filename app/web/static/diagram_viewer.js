// relayflow's one read-only diagram viewer (the instance, audit case, version and compare pages):
// bpmn-js's NavigatedViewer (served by this app from node_modules/, no CDN) in a box of its own,
// with the zoom buttons the page's _diagram.html macro draws around it.
//
// On load (and on "fit") the diagram fills the box's width, but never below the zoom at which
// bpmn-js's labels read at 11 px or more (it draws them at 11–12 px at zoom 1): a wider diagram keeps
// that zoom and is moved inside its box — drag, wheel, arrow keys, or a finger — while the page
// itself never scrolls sideways. Ctrl + wheel zooms, as NavigatedViewer does.
"use strict";

(function () {
  const READABLE_ZOOM = 1;  // external labels are 11 px, task labels 12 px at zoom 1
  const LARGEST_FIT = 1.5;  // a small diagram is not blown up beyond this
  const PAD = 16;  // px of white around the diagram
  const LOWEST = 200;
  const TALLEST = 0.7;  // of the window's height

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  // The box as tall as the diagram at `zoom` (within bounds), the diagram's top-left corner in view.
  function fit(canvas, container) {
    canvas.resized();
    const inner = canvas.viewbox().inner;
    if (!(inner.width > 0)) return;
    const width = container.clientWidth;
    const zoom = clamp((width - 2 * PAD) / inner.width, READABLE_ZOOM, LARGEST_FIT);
    const tallest = Math.max(LOWEST, Math.round(window.innerHeight * TALLEST));
    container.style.height = clamp(Math.round(inner.height * zoom + 2 * PAD), LOWEST, tallest) + "px";
    canvas.resized();
    canvas.viewbox({x: inner.x - PAD / zoom, y: inner.y - PAD / zoom,
      width: width / zoom, height: container.clientHeight / zoom});
    container.dataset.fitZoom = String(canvas.zoom());  // browser tests compare the buttons' effect with it
  }

  // A finger moving sideways moves the diagram (bpmn-js pans with the mouse only); an upward or
  // downward swipe is left to the page (touch-action: pan-y in the CSS).
  function touchPanning(canvas, container) {
    let last = null;
    container.addEventListener("pointerdown", (event) => {
      if (event.pointerType === "touch") last = {x: event.clientX, y: event.clientY};
    });
    container.addEventListener("pointermove", (event) => {
      if (!last || event.pointerType !== "touch") return;
      canvas.scroll({dx: event.clientX - last.x, dy: 0});
      last = {x: event.clientX, y: event.clientY};
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach((name) => container.addEventListener(name, () => {
      last = null;
    }));
  }

  function wireButtons(viewer, container) {
    const box = container.closest("[data-diagram-box]");
    if (!box) return;
    const canvas = viewer.get("canvas");
    const zoomScroll = viewer.get("zoomScroll");
    const middle = () => ({x: container.clientWidth / 2, y: container.clientHeight / 2});
    const actions = {
      in: () => zoomScroll.stepZoom(1, middle()),
      out: () => zoomScroll.stepZoom(-1, middle()),
      fit: () => fit(canvas, container),
    };
    box.querySelectorAll("[data-zoom]").forEach((button) => {
      button.disabled = false;
      button.addEventListener("click", () => actions[button.dataset.zoom]());
    });
  }

  // Draws `xml` in `container` and returns the viewer.
  async function show(container, xml) {
    if (typeof window.BpmnJS !== "function") throw new Error("bpmn-js is not installed: npm ci");
    const viewer = new window.BpmnJS({container: container});
    await viewer.importXML(xml);
    const canvas = viewer.get("canvas");
    fit(canvas, container);
    // Drilling into a collapsed subprocess shows another plane: fit that one too.
    viewer.on("root.set", () => setTimeout(() => fit(canvas, container), 0));
    touchPanning(canvas, container);
    wireButtons(viewer, container);
    container.diagramViewer = viewer;  // browser tests read the canvas's zoom from it
    return viewer;
  }

  window.relayflowDiagram = {show: show};
})();
