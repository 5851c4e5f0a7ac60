// Customer-archive pages: a header checkbox ticks every row of this page for the bulk flag form.
"use strict";

document.addEventListener("change", (event) => {
  const box = event.target;
  const name = box.dataset && box.dataset.selectAll;
  if (!name) return;
  document.querySelectorAll(`input[type="checkbox"][name="${name}"]`).forEach((row) => { row.checked = box.checked; });
});
