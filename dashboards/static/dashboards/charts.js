/* Small helpers over Chart.js (vendored from npm, see dashboards/static/vendor/VERSIONS.txt)
 * with the control room's colours: readable at a distance, time on a linear axis. */
(function () {
  "use strict";
  const INK = "#c9d4df", GRID = "rgba(139,155,171,0.18)";
  const PALETTE = ["#f5b301", "#4aa3ff", "#3ecf8e", "#e5484d", "#c58cff", "#ff8a3d"];

  function timeLabel(ms) {
    return window.CityTime ? CityTime.hhmm(ms) : new Date(ms).toISOString().slice(11, 16);
  }

  /* A tick over several days: the day and the time. */
  function dayLabel(ms) {
    const d = new Date(ms);
    return d.toLocaleDateString([], { day: "numeric", month: "short" }) + " " + timeLabel(ms);
  }

  /* series: [{label, points: [{x: epoch ms, y}], axis?: "y" | "y2", stepped?: bool}];
   * options: yTitle, y2Title, yMax, xMin/xMax (epoch ms), withDay (ticks name the day). */
  function timeLine(canvas, series, options) {
    options = options || {};
    if (typeof Chart === "undefined") return null;
    Chart.defaults.color = INK;
    Chart.defaults.font.size = 13;
    const axes = {
      x: { type: "linear", min: options.xMin, max: options.xMax, grid: { color: GRID },
           ticks: { callback: options.withDay ? dayLabel : timeLabel, maxTicksLimit: 8 } },
      y: { beginAtZero: true, suggestedMax: options.yMax || undefined, grid: { color: GRID },
           title: { display: !!options.yTitle, text: options.yTitle || "" } },
    };
    if (series.some(function (s) { return s.axis === "y2"; })) {
      axes.y2 = { position: "right", beginAtZero: true, grid: { display: false },
                  title: { display: !!options.y2Title, text: options.y2Title || "" } };
    }
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: series.map(function (s, i) {
          return {
            label: s.label, data: s.points, yAxisID: s.axis || "y", stepped: !!s.stepped,
            borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length],
            pointRadius: 0, borderWidth: 2, tension: 0,
          };
        }),
      },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        plugins: { legend: { labels: { boxWidth: 14 } },
                   tooltip: { callbacks: { title: function (items) { return items.length ? (options.withDay ? dayLabel : timeLabel)(items[0].parsed.x) : ""; } } } },
        scales: axes,
      },
    });
  }

  function bars(canvas, labels, series, options) {
    options = options || {};
    if (typeof Chart === "undefined") return null;
    Chart.defaults.color = INK;
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: series.map(function (s, i) {
        return { label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] };
      }) },
      options: { animation: false, maintainAspectRatio: false,
                 scales: { x: { grid: { color: GRID }, stacked: !!options.stacked },
                           y: { beginAtZero: true, grid: { color: GRID }, stacked: !!options.stacked,
                                title: { display: !!options.yTitle, text: options.yTitle || "" } } } },
    });
  }

  /* A lighting night's profile (the lighting API's profile/ answer): the level as steps from
   * noon to noon, with sunset and sunrise marked as dashed vertical lines. */
  function profile(canvas, p) {
    if (typeof Chart === "undefined") return null;
    const old = Chart.getChart(canvas);
    if (old) old.destroy();
    Chart.defaults.color = INK;
    const datasets = [{
      label: "Level %", data: p.points.map(function (q) { return { x: Date.parse(q.at), y: q.level }; }),
      stepped: true, borderColor: PALETTE[0], backgroundColor: "rgba(245,179,1,0.16)", fill: "origin",
      pointRadius: 0, borderWidth: 2, order: 2,
    }];
    [["sunset", "Sunset", "#ff8a3d"], ["sunrise", "Sunrise", "#4aa3ff"]].forEach(function (m) {
      const at = p.sun && p.sun[m[0]];
      if (!at) return;
      const x = Date.parse(at);
      datasets.push({ label: m[1] + " " + timeLabel(x), data: [{ x: x, y: 0 }, { x: x, y: 100 }],
                      borderColor: m[2], backgroundColor: m[2], borderDash: [6, 4], borderWidth: 2, pointRadius: 0, order: 1 });
    });
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        plugins: { legend: { labels: { boxWidth: 14, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
                   tooltip: { callbacks: { title: function (items) { return items.length ? timeLabel(items[0].parsed.x) : ""; } } } },
        scales: {
          x: { type: "linear", min: Date.parse(p.start), max: Date.parse(p.end), grid: { color: GRID },
               ticks: { callback: timeLabel, stepSize: 2 * 3600 * 1000, maxTicksLimit: 13 } },
          y: { min: 0, max: 100, grid: { color: GRID }, title: { display: true, text: "Level %" } },
        },
      },
    });
  }

  window.CityCharts = { timeLine: timeLine, bars: bars, profile: profile, timeLabel: timeLabel, dayLabel: dayLabel, palette: PALETTE };
})();
