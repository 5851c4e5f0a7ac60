// relayflow: the small client-side helpers every page shares. Pages work without JavaScript
// (plain forms); scripts only add confirmations and JSON calls that carry the CSRF token.
"use strict";

window.relayflow = {
  csrfToken() {
    return document.querySelector('meta[name="csrf-token"]').content;
  },
  // POST JSON to the API with the CSRF token; resolves to {ok, status, body}.
  async postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": this.csrfToken()},
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    let payload = null;
    try { payload = await response.json(); } catch (_) { payload = {error: response.statusText}; }
    return {ok: response.ok, status: response.status, body: payload};
  },
};

// <form data-confirm="..."> asks before submitting (terminate, archive an empty batch...).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
