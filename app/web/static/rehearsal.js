// A rehearsal's page while the worker runs it: poll the API, move the progress bar, and show the
// results (the server words them) by reloading once the run is done or failed.
(function () {
  "use strict";
  var card = document.getElementById("rehearsal");
  if (!card) { return; }
  var status = card.getAttribute("data-status");
  if (status !== "queued" && status !== "running") { return; }
  var bar = card.querySelector("progress");
  var label = card.querySelector("[data-testid=rehearsal-status]");
  var done = card.querySelector("[data-testid=rehearsal-count] .done");
  var total = card.querySelector("[data-testid=rehearsal-count] .total");
  function poll() {
    fetch(card.getAttribute("data-api"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (run) {
        if (!run) { window.setTimeout(poll, 3000); return; }
        if (run.status === "done" || run.status === "failed") { window.location.reload(); return; }
        if (bar) { bar.max = Math.max(run.total, 1); bar.value = run.done; }
        if (label && run.status === "running") { label.textContent = label.getAttribute("data-running"); }
        if (done && total) { done.textContent = run.done; total.textContent = run.total; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
