// Forecast Forum: the board's enhancements. Every form works without this file; it adds a live
// probability readout, date shortcuts, "predict on this passage" and voting without a reload.
(function () {
  "use strict";

  const collapse = (text) => text.replace(/\s+/g, " ").trim();

  // A slider and a number box that follow each other, with a large readout.
  function probabilityInputs() {
    document.querySelectorAll("[data-probability]").forEach((group) => {
      const slider = group.querySelector("[data-slider]");
      const number = group.querySelector("[data-number]");
      const readout = group.querySelector("[data-readout]");
      if (!slider || !number) return;
      // The number starts empty (no anchor): the slider shows "–" until it is moved or a
      // number is typed, and only the number box is sent.
      const unset = (yes) => [slider, readout].forEach((node) => node && node.classList.toggle("is-unset", yes));
      const show = (value) => { if (readout) readout.textContent = `${value} %`; };
      if (readout) readout.hidden = false;
      slider.hidden = false;
      // The readout repeats what is typed (even out of range, beside its error); the slider
      // follows only values it can show.
      const follow = () => {
        const value = parseFloat(number.value);
        if (!Number.isFinite(value)) { show("–"); unset(true); return; }
        if (value >= Number(slider.min) && value <= Number(slider.max)) slider.value = Math.round(value);
        show(number.value.trim());
        unset(false);
      };
      follow();
      slider.addEventListener("input", () => { number.value = slider.value; show(slider.value); unset(false); });
      number.addEventListener("input", follow);
    });
  }

  // "End of this year", "in 6 months", "in a year": buttons that fill the date picker.
  function dateShortcuts() {
    document.querySelectorAll("[data-date-shortcuts]").forEach((group) => {
      group.hidden = false;
      group.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-date]");
        if (!button) return;
        const input = document.getElementById(button.dataset.target);
        if (!input) return;
        input.value = button.dataset.date;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        group.querySelectorAll(".chip").forEach((chip) => chip.classList.toggle("is-chosen", chip === button));
      });
    });
  }

  // The selected text of the article, read the way the server reads the article: markers left out.
  function selectedPassage(body) {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return "";
    const range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return "";
    const copy = document.createElement("div");
    copy.appendChild(range.cloneContents());
    copy.querySelectorAll(".cite-marker").forEach((marker) => marker.remove());
    // Block boundaries read as a space, as on the server.
    copy.querySelectorAll("p, li, h1, h2, h3, h4, h5, h6, blockquote, pre, tr, br, hr").forEach((node) => {
      node.insertAdjacentText("beforebegin", " ");
      node.insertAdjacentText("afterend", " ");
    });
    return collapse(copy.textContent || "").slice(0, 1000);
  }

  function passageToQuote() {
    const body = document.querySelector("[data-article-body]");
    const bar = document.querySelector("[data-selection-action]");
    if (!body || !bar) return;
    const action = bar.querySelector("[data-predict-passage]");
    let passage = "";
    let timer = null;

    const update = () => {
      passage = selectedPassage(body);
      const show = passage.length >= 3;
      bar.hidden = !show;
      if (show && action.tagName === "A") {
        const back = `${action.dataset.return}?quote=${encodeURIComponent(passage)}#share`;
        action.href = `${action.dataset.login}?next=${encodeURIComponent(back)}`;
      }
    };
    document.addEventListener("selectionchange", () => {
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    });

    if (action.tagName === "BUTTON") {
      // Keep the selection alive while the button is pressed.
      action.addEventListener("mousedown", (event) => event.preventDefault());
      action.addEventListener("click", () => {
        const form = document.querySelector("[data-share-form]");
        const quote = form && form.querySelector("[data-quote-input]");
        if (!quote) return;
        quote.value = passage;
        quote.closest(".field")?.classList.add("is-filled");
        bar.hidden = true;
        window.getSelection()?.removeAllRanges();
        const share = document.getElementById("share");
        share.scrollIntoView({ behavior: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth", block: "start" });
        const title = form.querySelector("[name=title]");
        if (title) title.focus({ preventScroll: true });
        if (history.replaceState) history.replaceState(null, "", "#share");
      });
    }
  }

  // Votes through the JSON API; the plain form is the fallback when anything goes wrong.
  function votes() {
    document.addEventListener("click", async (event) => {
      const button = event.target.closest("form.vote button[data-direction]");
      if (!button || !window.Forum) return;
      const form = button.closest("form.vote");
      if (!form.dataset.api || form.classList.contains("is-busy")) return;
      event.preventDefault();
      const direction = Number(button.dataset.direction);
      const current = Number(form.dataset.myVote || 0);
      const value = current === direction ? 0 : direction;
      const message = form.querySelector("[data-vote-message]");
      form.classList.add("is-busy");
      let result;
      try {
        result = await window.Forum.api("PUT", form.dataset.api, { value });
      } catch (error) {
        result = { ok: false, status: 0, data: null };
      }
      form.classList.remove("is-busy");
      if (result.ok && result.data) {
        applyVote(form, result.data.my_vote, result.data.score);
        if (message) message.textContent = "";
      } else if (result.status === 403 || result.status === 409 || result.status === 429) {
        const error = result.data && result.data.error;
        if (message) message.textContent = error ? error.message : "That vote wasn't counted.";
      } else {
        form.requestSubmit ? form.requestSubmit(button) : form.submit();
      }
    });
  }

  function applyVote(form, myVote, score) {
    form.dataset.myVote = String(myVote);
    const scoreValue = form.querySelector("[data-score-value]");
    if (scoreValue) scoreValue.textContent = String(score);
    form.querySelectorAll("button[data-direction]").forEach((button) => {
      const direction = Number(button.dataset.direction);
      const pressed = myVote === direction;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.value = pressed ? "0" : String(direction);
      button.title = pressed ? `Remove your ${direction > 0 ? "up" : "down"}-vote` : `Vote ${direction > 0 ? "up" : "down"}`;
    });
  }

  // Opening a reply or edit box puts the cursor in it.
  function commentTools() {
    document.querySelectorAll("details.comment-tool").forEach((details) => {
      // One shown open by a refused edit keeps the focus on its error summary.
      let shownOpen = details.open;
      details.addEventListener("toggle", () => {
        if (shownOpen) { shownOpen = false; return; }
        if (details.open) details.querySelector("textarea")?.focus();
      });
    });
  }

  // "Reply" opens the one reply form under its comment without a reload; without
  // JavaScript the link loads the page with that form already in place (?reply_to=).
  function replyLinks() {
    const template = document.getElementById("reply-template");
    if (!template) return;
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-reply-to], a[data-reply-cancel]");
      if (!link) return;
      const open = document.getElementById("reply");
      if (link.hasAttribute("data-reply-cancel")) {
        if (open) { event.preventDefault(); open.remove(); }
        return;
      }
      event.preventDefault();
      if (open) open.remove();
      const id = link.dataset.replyTo;
      const form = template.content.firstElementChild.cloneNode(true);
      form.querySelector("input[name=parent_id]").value = id;
      const label = form.querySelector("label");
      const textarea = form.querySelector("textarea");
      label.textContent = `Reply to ${link.dataset.replyName}`;
      label.htmlFor = textarea.id = `reply-${id}`;
      const counter = form.querySelector("[data-counter-for]");
      if (counter) {
        counter.dataset.counterFor = textarea.id;
        counter.parentElement.id = `${textarea.id}-count`;
        textarea.setAttribute("aria-describedby", counter.parentElement.id);
      }
      const cancel = form.querySelector("[data-reply-cancel]");
      cancel.href = `${cancel.pathname}#comment-${id}`;
      link.closest(".comment-card").appendChild(form);
      if (window.Forum && window.Forum.counters) window.Forum.counters(form);
      textarea.focus();
    });
  }

  // A link to a comment beyond a long discussion's first threads opens the whole of it.
  function commentAnchor() {
    const all = document.querySelector("a[data-all-comments]");
    const hash = window.location.hash;
    if (all && /^#comment-\d+$/.test(hash) && !document.getElementById(hash.slice(1))) {
      window.location.replace(all.href.split("#")[0] + hash);
    }
  }

  const start = () => {
    probabilityInputs();
    dateShortcuts();
    passageToQuote();
    votes();
    commentTools();
    replyLinks();
    commentAnchor();
  };
  if (window.Forum && window.Forum.ready) window.Forum.ready(start);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
