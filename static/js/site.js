// Forecast Forum: small enhancements. Every page works without this file.
(function () {
  "use strict";

  const csrfToken = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  // fetch() for the JSON API with the session cookie and the CSRF header.
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  }

  window.Forum = { api, csrfToken, ready: (fn) => (document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn()) };
})();
