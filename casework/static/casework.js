// casework's own script: live countdowns of clocks and keyboard shortcuts. No framework; the
// pages work without it (the server renders every clock's state in words).
"use strict";

(function () {
  const UNITS = [[86400, "d"], [3600, "h"], [60, "min"]];

  function spanWords(seconds) {
    seconds = Math.floor(Math.abs(seconds));
    if (seconds < 60) return seconds + " s";
    const parts = [];
    for (const [size, unit] of UNITS) {
      if (seconds >= size) {
        parts.push(Math.floor(seconds / size) + " " + unit);
        seconds %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(" ");
  }

  // Same words and tones as casework/lib/clockview.py, recomputed every second.
  function tick() {
    const now = Date.now();
    for (const clock of document.querySelectorAll("[data-due-at]")) {
      const due = Date.parse(clock.dataset.dueAt);
      const warn = clock.dataset.warnAt ? Date.parse(clock.dataset.warnAt) : null;
      const text = clock.querySelector(".clock-text");
      if (!text || Number.isNaN(due)) continue;
      let tone, words;
      if (due <= now) {
        tone = "breach";
        words = "breached " + spanWords((now - due) / 1000) + " ago";
      } else if (warn !== null && warn <= now) {
        tone = "warn";
        words = "at risk: due in " + spanWords((due - now) / 1000);
      } else {
        tone = "ok";
        words = "due in " + spanWords((due - now) / 1000);
      }
      if (text.textContent !== words) text.textContent = words;
      clock.classList.remove("clock-ok", "clock-warn", "clock-breach");
      clock.classList.add("clock-" + tone);
    }
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  // j/k move through a list marked data-keyboard-list (rows marked data-row, each with a
  // link marked data-row-link); Enter opens the row; r, n and / focus the elements marked
  // data-key="r" (reply), "n" (note) and "/" (search).
  function rows() {
    const list = document.querySelector("[data-keyboard-list]");
    return list ? Array.from(list.querySelectorAll("[data-row]")) : [];
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    let index = all.findIndex((row) => row.classList.contains("current"));
    index = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    all.forEach((row) => { row.classList.remove("current"); row.removeAttribute("aria-current"); });
    const row = all[index];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    const link = row.querySelector("[data-row-link]");
    if (link) link.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === "j") { move(1); event.preventDefault(); return; }
    if (event.key === "k") { move(-1); event.preventDefault(); return; }
    const target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (target) {
      event.preventDefault();
      if (target.tagName === "DETAILS") target.open = true;
      const field = target.matches("input, textarea, select") ? target : target.querySelector("textarea, input, select");
      (field || target).focus();
    }
  });

  // The portal's new-case form (R50): a priority whose data-environments leave out the chosen
  // environment is disabled (its explanation stays visible); the server refuses it anyway.
  function priorityAvailability() {
    const form = document.querySelector("[data-priority-form]");
    const environment = form && form.querySelector('select[name="environment"]');
    if (!environment) return;
    for (const option of form.querySelectorAll("[data-environments]")) {
      const allowed = option.dataset.environments.split(" ").includes(environment.value);
      const input = option.querySelector('input[name="priority"]');
      input.disabled = !allowed;
      if (!allowed) input.checked = false;
      option.classList.toggle("unavailable", !allowed);
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches('[data-priority-form] select[name="environment"]')) priorityAvailability();
  });
  document.addEventListener("DOMContentLoaded", priorityAvailability);

  // A queue's rows are replaced by htmx every 30 s: keep the current row (by its link) and,
  // if it had the focus, the focus, so j/k carry on where they were.
  let kept = null;
  document.addEventListener("htmx:beforeSwap", function () {
    const row = rows().find((r) => r.classList.contains("current"));
    const link = row && row.querySelector("[data-row-link]");
    kept = link ? { href: link.getAttribute("href"), focused: document.activeElement === link } : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!kept) return;
    const row = rows().find((r) => {
      const link = r.querySelector("[data-row-link]");
      return link && link.getAttribute("href") === kept.href;
    });
    if (row) {
      row.classList.add("current");
      row.setAttribute("aria-current", "true");
      if (kept.focused) row.querySelector("[data-row-link]").focus();
    }
    kept = null;
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
