// The application form (M4.1): the count of customers to disconnect follows the ticked boxes and
// the numbers typed as they change, not only after 检查. Counted as the server counts them: each
// number once, the typed list split by the separators the page names (data-separators).
"use strict";

(() => {
  const form = document.querySelector('form[data-form="application"]');
  if (!form) return;
  const badge = form.querySelector('[data-testid="selected-count"]');
  const typed = form.querySelector('textarea[name="customer_numbers"]');
  const hint = form.querySelector('[data-testid="unchecked-hint"]');
  const listed = new Set(Array.from(form.querySelectorAll('[data-testid="selected-customers"] input[name="customers"]'),
                                    (box) => box.value.trim()));
  const separators = new RegExp(form.dataset.separators, "u");

  function count() {
    const numbers = new Set();
    form.querySelectorAll('input[name="customers"]:checked').forEach((box) => numbers.add(box.value.trim()));
    (typed ? typed.value.split(separators) : []).forEach((number) => {
      if (number.trim()) numbers.add(number.trim());
    });
    badge.textContent = String(numbers.size);
    // the list below is the server's last check: say so while the count holds numbers it does not list
    if (hint) hint.hidden = Array.from(numbers).every((number) => listed.has(number));
  }

  form.addEventListener("input", count);
  form.addEventListener("change", count);
})();
