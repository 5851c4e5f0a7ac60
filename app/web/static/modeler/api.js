// The draft API (GET/PUT /api/drafts/<id>, POST …/proposals) and the catalogue, as JSON with the
// page's CSRF token. Every answer resolves to {ok, status, body}; a refusal's body is {error, …}.
function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export async function callJson(method, url, body) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.headers["X-CSRFToken"] = csrfToken();
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    return { ok: false, status: 0, body: { error: String(error) } };
  }
  let payload;
  try { payload = await response.json(); } catch (_) { payload = { error: response.statusText }; }
  return { ok: response.ok, status: response.status, body: payload || {} };
}
