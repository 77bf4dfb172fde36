/* Rows of a `table.selectable` (the alarm queue, the programme and calendar lists) chosen by
 * keyboard as by mouse: each row that can be chosen (data-alarm or data-id) is in the tab
 * order, Enter or Space chooses it (the page's own click handler runs), the arrow keys move
 * between rows, and aria-selected says which row is chosen. The pages redraw their rows (live
 * updates, a choice): the row that had the focus gets it back in its new drawing. */
(function () {
  "use strict";
  function keyOf(tr) { return tr.dataset.alarm || tr.dataset.id || null; }
  function rows(table) { return Array.from(table.querySelectorAll("tbody tr")).filter(keyOf); }
  function find(table, key) { return rows(table).find(function (tr) { return keyOf(tr) === key; }); }

  function mark(table) {
    rows(table).forEach(function (tr) {
      if (!tr.hasAttribute("tabindex")) tr.tabIndex = 0;
      tr.setAttribute("aria-selected", tr.classList.contains("selected") ? "true" : "false");
    });
    const key = table._focusKey;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (key && lost) {
      const again = find(table, key);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function watch(table) {
    mark(table);
    new MutationObserver(function () { mark(table); })
      .observe(table, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
    table.addEventListener("focusin", function (event) {
      const tr = event.target.closest("tbody tr");
      table._focusKey = tr && keyOf(tr) ? keyOf(tr) : null;
    });
    table.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !table.contains(event.relatedTarget)) table._focusKey = null;
    });
    table.addEventListener("keydown", function (event) {
      const tr = event.target;
      if (!(tr instanceof HTMLTableRowElement) || !keyOf(tr)) return;  // a control inside a row keeps its keys
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        tr.click();
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const all = rows(table);
        const next = all[all.indexOf(tr) + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) { event.preventDefault(); next.focus(); }
      }
    });
  }

  function start() { document.querySelectorAll("table.selectable").forEach(watch); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
