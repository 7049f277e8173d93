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

  const ready = (fn) => (document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn());

  // A refused form comes back with an error summary (autofocus does this without JavaScript):
  // move the focus there and bring it into view, so the person sees what to fix.
  function errorSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    if (document.activeElement !== summary) summary.focus({ preventScroll: true });
    // Again once the other scripts and the images have settled what is above it (revealed
    // controls, charts), unless the person has moved on.
    const place = () => {
      if (document.activeElement === summary) summary.scrollIntoView({ block: "start" });
    };
    place();
    requestAnimationFrame(place);
    window.addEventListener("load", place, { once: true });
    // Each link puts the cursor in its field, with the field's label in view.
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      const label = field.labels && field.labels[0];
      (field.closest(".field, fieldset") || label || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  // "37 of 200 characters" under every length-limited field, live; without JavaScript the
  // limit is stated in the same place.
  function counters(root) {
    (root || document).querySelectorAll("[data-counter-for]").forEach((counter) => {
      const field = document.getElementById(counter.dataset.counterFor);
      const limit = Number(counter.dataset.limit);
      if (!field || !limit || counter.dataset.live) return;
      counter.dataset.live = "1";
      const show = () => {
        const used = field.value.length;
        counter.textContent = `${used.toLocaleString("en")} of ${limit.toLocaleString("en")} characters`;
        counter.classList.toggle("is-near", used >= limit * 0.9);
      };
      show();
      field.addEventListener("input", show);
    });
  }

  window.Forum = { api, csrfToken, ready, counters };
  ready(() => { errorSummary(); counters(); });
})();
