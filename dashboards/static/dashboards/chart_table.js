/* Every chart's text alternative (WCAG 1.1.1): a Chart.js plugin, registered for every chart on
 * the page, that puts a "Show the figures as a table" toggle under the chart and fills it with
 * the chart's own data (one row per time or label, one column per series), kept in step with
 * the chart as it updates. The canvas itself is an image named by its aria-label. Load it right
 * after the vendored chart.umd.min.js. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  const MAX_ROWS = 400;
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function timeText(ms) {
    return new Date(ms).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  }
  function value(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "no data";
    return typeof v === "number" ? number.format(v) : String(v);
  }

  /* → {head: [...], rows: [[...]], notes: [...]} from the chart's data as it stands */
  function figures(chart) {
    const data = chart.data;
    const sets = data.datasets;
    const notes = [];
    if (data.labels && data.labels.length) {  // bars: labels and a value per series
      return {
        head: [/^\d\d?:\d\d/.test(String(data.labels[0])) ? "Time" : "Name",
               ...sets.map(function (s) { return s.label; })],
        rows: data.labels.map(function (label, i) {
          return [String(label), ...sets.map(function (s) {
            const v = s.data[i];
            return value(v && typeof v === "object" ? v.y : v);
          })];
        }),
        notes: notes,
      };
    }
    // points {x, y}: time lines; a series whose points all share one x is a marker (sunset)
    const columns = [];
    sets.forEach(function (s) {
      const xs = new Set((s.data || []).map(function (p) { return p.x; }));
      if (xs.size === 1 && s.data.length > 1) notes.push(s.label);
      else columns.push(s);
    });
    const byX = new Map();
    columns.forEach(function (s, c) {
      (s.data || []).forEach(function (p) {
        if (!byX.has(p.x)) byX.set(p.x, new Array(columns.length).fill(null));
        byX.get(p.x)[c] = p.y;
      });
    });
    let xs = Array.from(byX.keys()).sort(function (a, b) { return a - b; });
    if (xs.length > MAX_ROWS) {
      const step = xs.length / MAX_ROWS;
      const kept = [];
      for (let i = 0; i < MAX_ROWS; i++) kept.push(xs[Math.floor(i * step)]);
      notes.push("every " + Math.round(step) + "th of " + xs.length + " readings shown");
      xs = kept;
    }
    const isTime = xs.length && xs[0] > 1e11;  // epoch milliseconds
    return {
      head: [isTime ? "Time" : "", ...columns.map(function (s) { return s.label; })],
      rows: xs.map(function (x) { return [isTime ? timeText(x) : value(x), ...byX.get(x).map(value)]; }),
      notes: notes,
    };
  }

  function draw(chart, box) {
    const f = figures(chart);
    const table = el("table", null, "data compact");
    const caption = el("caption", box.dataset.name, "visually-hidden");
    table.append(caption);
    const head = el("thead"); const hr = el("tr");
    f.head.forEach(function (h) { const th = el("th", h); th.scope = "col"; hr.append(th); });
    head.append(hr); table.append(head);
    const body = el("tbody");
    f.rows.forEach(function (row) {
      const tr = el("tr");
      row.forEach(function (cell, i) {
        if (i === 0) { const th = el("th", cell); th.scope = "row"; tr.append(th); }
        else tr.append(el("td", cell, "num"));
      });
      body.append(tr);
    });
    if (!f.rows.length) {
      const tr = el("tr"); const td = el("td", "No figures yet.", "muted");
      td.colSpan = Math.max(1, f.head.length); tr.append(td); body.append(tr);
    }
    table.append(body);
    const wrap = box.querySelector(".table-wrap");
    wrap.replaceChildren(table);
    const note = box.querySelector(".chart-table-note");
    note.textContent = f.notes.join("; ");
    note.hidden = !f.notes.length;
    box.dataset.stale = "";
  }

  function boxOf(chart) {
    const canvas = chart.canvas;
    if (canvas._tableBox) return canvas._tableBox;
    const name = canvas.getAttribute("aria-label") ||
      "Chart of " + chart.data.datasets.map(function (s) { return s.label; }).join(", ");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", name);
    const box = el("details", null, "chart-table");
    box.dataset.name = name;
    const summary = el("summary", "Show the figures as a table");
    const wrap = el("div", null, "table-wrap");  // it scrolls: reachable and named for the keyboard
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", "Figures: " + name);
    box.append(summary, el("p", null, "chart-table-note muted"), wrap);
    const holder = canvas.closest(".chart-box") || canvas;
    holder.after(box);
    box.addEventListener("toggle", function () { if (box.open && box.dataset.stale) draw(box._chart, box); });
    canvas._tableBox = box;
    return box;
  }

  Chart.register({
    id: "cityTableAlternative",
    afterUpdate: function (chart) {
      const box = boxOf(chart);
      box._chart = chart;  // a chart drawn again on the same canvas is a new Chart
      box.dataset.stale = "1";
      if (box.open) draw(chart, box);
    },
  });
})();
