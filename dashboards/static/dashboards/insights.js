/* The insights page: the hour-by-hour chart of events by lighting side with the mean level, the
 * hotspots' rate ratios, and the "draft programme change" buttons (a POST to the draft endpoint;
 * the draft is assigned to no calendar, so nothing is applied). */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("insights-data").textContent);
  const COLOURS = { dim: "#e5484d", lit: "#f5b301", boosted: "#4aa3ff", other: "#5b6b7b", level: "#3ecf8e" };
  const GRID = "rgba(139,155,171,0.18)";

  function hourLabel(iso) {
    return CityTime.when(iso);
  }

  function seriesChart(canvas, points) {
    const bar = function (label, key) {
      return { type: "bar", label: label, data: points.map(function (p) { return p[key]; }),
               backgroundColor: COLOURS[key], stack: "events", yAxisID: "y" };
    };
    Chart.defaults.color = "#c9d4df";
    return new Chart(canvas, {
      data: {
        labels: points.map(function (p) { return hourLabel(p.hour); }),
        datasets: [
          bar("dim", "dim"), bar("lit", "lit"), bar("boost-lit", "boosted"), bar("daylight", "other"),
          { type: "line", label: "mean level %", data: points.map(function (p) { return p.mean_level; }),
            borderColor: COLOURS.level, backgroundColor: COLOURS.level, yAxisID: "y2",
            pointRadius: 0, borderWidth: 2, tension: 0, spanGaps: false },
        ],
      },
      options: {
        animation: false, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { boxWidth: 14 } } },
        scales: {
          x: { stacked: true, grid: { color: GRID }, ticks: { maxTicksLimit: 10, autoSkip: true } },
          y: { stacked: true, beginAtZero: true, grid: { color: GRID }, title: { display: true, text: "events" },
               ticks: { precision: 0 } },
          y2: { position: "right", min: 0, max: 100, grid: { display: false }, title: { display: true, text: "mean level %" } },
        },
      },
    });
  }

  function ratioChart(canvas, ratios) {
    const chart = CityCharts.bars(canvas, ratios.map(function (r) { return r.label; }), [
      { label: "× city", values: ratios.map(function (r) { return r.city; }) },
      { label: "× control zones", values: ratios.map(function (r) { return r.control; }) },
      { label: "× own history", values: ratios.map(function (r) { return r.history; }) },
      { label: "× same zone lit", values: ratios.map(function (r) { return r.lit; }) },
    ], { yTitle: "rate ratio" });
    return chart;
  }

  const charts = {};
  const seriesCanvas = document.getElementById("series-chart");
  if (seriesCanvas && typeof Chart !== "undefined") {
    charts.series = seriesChart(seriesCanvas, data.series);
    seriesCanvas.dataset.drawn = String(data.series.length);
  }
  const ratioCanvas = document.getElementById("ratio-chart");
  if (ratioCanvas && typeof Chart !== "undefined") {
    charts.ratios = ratioChart(ratioCanvas, data.ratios);
    ratioCanvas.dataset.drawn = String(data.ratios.length);
  }
  window.insightsCharts = charts;

  document.querySelectorAll("button.draft-button").forEach(function (button) {
    button.addEventListener("click", async function () {
      const out = button.closest(".recommendation").querySelector(".draft-result");
      out.className = "draft-result";
      out.textContent = "Drafting…";
      button.disabled = true;
      try {
        const result = await CityLive.api(data.draftUrl, { method: "POST", body: JSON.parse(button.dataset.draft) });
        out.classList.add("done");
        out.textContent = (result.created ? "Drafted programme " : "Already drafted: programme ") +
          "“" + result.name + "” (#" + result.programme + "). Not applied: it follows no calendar until an officer assigns it.";
        if (data.lightingUrl) {
          const link = document.createElement("a");
          link.href = data.lightingUrl; link.textContent = " Open the lighting page";
          out.appendChild(link);
        }
        button.textContent = "Drafted";
      } catch (error) {
        out.classList.add("error");
        out.textContent = error.message;
        button.disabled = false;
      }
    });
  });
})();
