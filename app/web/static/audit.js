// relayflow auditor's case page: the timeline slider. The server computed, for every event, the
// token positions and the process data as of that event (app/case_timeline.py); the slider only
// indexes them, marks the diagram (drawn by instances.js) and highlights the event's table row.
"use strict";

(function () {
  const source = document.getElementById("case-timeline");
  const slider = document.getElementById("timeline-slider");
  if (!source || !slider) return;
  const timeline = JSON.parse(source.textContent);
  const container = document.getElementById("diagram");
  const label = document.querySelector("[data-testid=timeline-event]");
  const positionsList = document.querySelector("[data-testid=token-positions]");
  const noPositions = document.querySelector("[data-no-positions]");
  const dataPanel = document.querySelector("[data-testid=case-data]");
  const rows = new Map();
  document.querySelectorAll("[data-testid=who-did-what] tbody tr").forEach((row) => rows.set(row.dataset.seq, row));
  const MARKERS = ["rf-completed", "rf-taken", "rf-active", "rf-task", "rf-incident", "rf-current"];
  let diagram = null;  // {canvas, registry, marked: element ids currently marked}

  function nameOf(id) {  // the step's name as people read it (translated by the page); the id if it has none
    return timeline.names[id] || id;
  }

  // The subprocesses around an element: a collapsed one is drawn on a plane of its own, so the
  // main plane shows the token on the subprocess that holds it.
  function containers(id) {
    const found = [];
    const element = diagram.registry.get(id);
    let parent = element && element.businessObject && element.businessObject.$parent;
    while (parent && parent.$type !== "bpmn:Process") {
      if (/SubProcess$|Transaction$/.test(parent.$type) && diagram.registry.get(parent.id)) found.push(parent.id);
      parent = parent.$parent;
    }
    return found;
  }

  function markDiagram(index) {
    if (!diagram) return;
    const {canvas, registry} = diagram;
    diagram.marked.forEach((id) => MARKERS.forEach((marker) => canvas.removeMarker(id, marker)));
    const frame = timeline.frames[index];
    const event = timeline.events[index];
    const marks = {completed: [], active: [], failed: [], current: null};
    Object.entries(timeline.first_completed).forEach(([id, seq]) => {
      if (seq <= frame.seq && registry.get(id)) marks.completed.push(id);
    });
    Object.entries(frame.positions).forEach(([id, state]) => {
      if (registry.get(id)) (state === "failed" ? marks.failed : marks.active).push(id, ...containers(id));
    });
    marks.active = [...new Set(marks.active)].sort();
    marks.failed = [...new Set(marks.failed)].sort();
    if (event.element_id && registry.get(event.element_id)) marks.current = event.element_id;
    marks.completed.forEach((id) => canvas.addMarker(id, "rf-completed"));
    marks.active.forEach((id) => canvas.addMarker(id, "rf-active"));
    marks.failed.forEach((id) => canvas.addMarker(id, "rf-incident"));
    const current = marks.current ? [marks.current, ...containers(marks.current)] : [];
    current.forEach((id) => canvas.addMarker(id, "rf-current"));
    diagram.marked = [...marks.completed, ...marks.active, ...marks.failed, ...current];
    container.dataset.timelineMarks = JSON.stringify(marks);  // browser tests read what is marked
  }

  function show(index) {
    const frame = timeline.frames[index];
    const event = timeline.events[index];
    slider.value = String(index);
    label.textContent = "#" + event.seq + " · " + event.at + " · " + event.label +
      (event.element_id ? " " + nameOf(event.element_id) : "") + " · " + event.actor;
    positionsList.replaceChildren(...Object.entries(frame.positions).map(([id, state]) => {
      const item = document.createElement("li");
      item.dataset.element = id;
      item.textContent = nameOf(id) + " — " + (timeline.states[state] || state);
      return item;
    }));
    noPositions.hidden = Object.keys(frame.positions).length > 0;
    dataPanel.textContent = JSON.stringify(timeline.snapshots[frame.data], null, 2);
    rows.forEach((row) => row.classList.remove("current"));
    const row = rows.get(String(event.seq));
    if (row) row.classList.add("current");
    markDiagram(index);
  }

  function step(delta) {
    const next = Math.max(0, Math.min(timeline.frames.length - 1, Number(slider.value) + delta));
    show(next);
  }

  slider.addEventListener("input", () => show(Number(slider.value)));
  document.querySelectorAll("[data-step]").forEach((button) => {
    button.addEventListener("click", () => step(Number(button.dataset.step)));
  });
  rows.forEach((row) => row.addEventListener("click", () => {
    const index = timeline.events.findIndex((event) => String(event.seq) === row.dataset.seq);
    if (index >= 0) show(index);
  }));

  function adopt(detail) {
    const marked = Object.values(detail.marked || {}).flat();
    diagram = {canvas: detail.canvas, registry: detail.registry, marked: marked};
    show(Number(slider.value));
    container.dataset.timeline = "ready";  // browser tests wait for this
  }

  if (container) container.addEventListener("diagram-ready", (event) => adopt(event.detail));
  show(Number(slider.value));
})();
