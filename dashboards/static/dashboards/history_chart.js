/* A history chart with its time-range picker: 24 h / 7 d / 30 d buttons and a custom from/to,
 * reading `<url>?range=…` (or `?from=…&to=…`) from the telemetry history API (the raw samples
 * for a day, the hourly roll-up beyond). While it fetches it says "Loading readings…"; a range
 * without readings says so in words; a refused range or a failed fetch says why.
 *
 * CityHistory.attach(root, {url, series: function (body) → [{label, points, axis?, stepped?}],
 *                           options: timeLine options, describe?: function (body) → text})
 * root holds [data-range] buttons, a form.range-custom (from, to), .history-status, a canvas
 * and .history-empty. The canvas's data-range and data-points say what is drawn (for tests). */
(function () {
  "use strict";
  const LABELS = { "24h": "the last 24 hours", "7d": "the last 7 days", "30d": "the last 30 days" };
  const RESOLUTION = { raw: "each reading", hour: "hourly means", day: "daily means" };

  function localInput(date) {
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function when(iso) {
    return new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function attach(root, config) {
    const canvas = root.querySelector("canvas");
    const status = root.querySelector(".history-status");
    const empty = root.querySelector(".history-empty");
    const summary = root.querySelector(".history-summary");
    const box = canvas.closest(".chart-box") || canvas;
    const buttons = Array.prototype.slice.call(root.querySelectorAll("button[data-range]"));
    const custom = root.querySelector("form.range-custom");
    let seq = 0;

    /* state: loading | ready | empty | error (root's data-state, for styles and tests) */
    function say(text, state) {
      status.textContent = text;
      status.hidden = !text;
      status.className = "history-status status-line" + (state === "error" ? " error" : "");
      root.dataset.state = state;
      root.setAttribute("aria-busy", String(state === "loading"));
    }

    function press(range) {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.range === range)); });
    }

    function draw(body, what) {
      const old = Chart.getChart(canvas);
      if (old) old.destroy();
      canvas.dataset.range = body.range;
      canvas.dataset.points = String(body.points.length);
      if (!body.samples) {
        box.hidden = true;
        empty.hidden = false;
        empty.textContent = "No readings in this range (" + what + ").";
        if (summary) summary.textContent = "";
        return;
      }
      box.hidden = false;
      empty.hidden = true;
      const span = Date.parse(body.to) - Date.parse(body.from);
      const options = Object.assign({ withDay: span > 36 * 3600 * 1000,
                                      xMin: Date.parse(body.from), xMax: Date.parse(body.to) }, config.options || {});
      CityCharts.timeLine(canvas, config.series(body), options);
      if (summary) {
        summary.textContent = body.samples.toLocaleString("en-GB") + " readings in " + what + ", shown as " +
          RESOLUTION[body.resolution] + (config.describe ? ". " + config.describe(body) : ".");
      }
    }

    async function load(params, what) {
      const mine = ++seq;
      say("Loading readings for " + what + "…", "loading");
      try {
        const body = await CityLive.api(config.url + "?" + new URLSearchParams(params).toString());
        if (mine !== seq) return;  // a later choice is on its way
        draw(body, what);
        say("", body.samples ? "ready" : "empty");
      } catch (error) {
        if (mine !== seq) return;
        say("Could not load the readings: " + error.message, "error");
      }
    }

    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        press(b.dataset.range);
        load({ range: b.dataset.range }, LABELS[b.dataset.range]);
      });
    });
    if (custom) {
      const now = new Date();
      if (!custom.elements.to.value) custom.elements.to.value = localInput(now);
      if (!custom.elements.from.value) custom.elements.from.value = localInput(new Date(now - 3 * 86400000));
      custom.addEventListener("submit", function (event) {
        event.preventDefault();
        const from = new Date(custom.elements.from.value), to = new Date(custom.elements.to.value);
        if (isNaN(from) || isNaN(to)) { say("Give both a start and an end.", "error"); return; }
        if (to <= from) { say("The end is before the start.", "error"); return; }
        press(null);
        load({ from: from.toISOString(), to: to.toISOString() },
             when(from.toISOString()) + " to " + when(to.toISOString()));
      });
    }
    const first = buttons.find(function (b) { return b.getAttribute("aria-pressed") === "true"; }) || buttons[0];
    if (first) first.click();
    return { load: load };
  }

  window.CityHistory = { attach: attach };
})();
