/* The energy chart: one zone's lighting night (noon to noon) half-hourly, stitched from the
 * energy report of the two local days it spans (the lighting API's energy/?by=half_hour),
 * with the estimated part drawn apart, and the CSV export links of those days. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("energy-config").textContent);
  const form = document.getElementById("energy-form");
  const canvas = document.getElementById("energy-chart");
  const status = document.getElementById("energy-status");
  const HALF_DAY = 24;  // half hours from noon to midnight: the clock changes happen before noon

  function nextDay(iso) {
    const d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  function url(params) { return config.api + "?" + new URLSearchParams(params).toString(); }

  function zoneRow(report, zone) {
    const row = report.zones.find(function (z) { return String(z.zone_id) === String(zone); });
    const n = report.slots.length;
    return {
      slots: report.slots,
      total: row ? row.half_hours : new Array(n).fill(0),
      estimated: row && row.estimated_half_hours ? row.estimated_half_hours : new Array(n).fill(0),
    };
  }

  async function show() {
    const zone = form.elements.zone.value, night = form.elements.night.value;
    if (!zone || !night) return;
    const morning = nextDay(night);
    document.getElementById("energy-export-first").href = url({ date: night, zone: zone, by: "half_hour", export: "csv" });
    document.getElementById("energy-export-second").href = url({ date: morning, zone: zone, by: "half_hour", export: "csv" });
    document.getElementById("energy-export-lights").href = url({ date: night, zone: zone, by: "light", export: "csv" });
    status.textContent = "Loading…"; status.className = "status-line";
    try {
      const days = await Promise.all([night, morning].map(function (d) {
        return CityLive.api(url({ date: d, zone: zone, by: "half_hour" }));
      }));
      const evening = zoneRow(days[0], zone), dawn = zoneRow(days[1], zone);
      const from = evening.slots.length - HALF_DAY, to = dawn.slots.length - HALF_DAY;
      const slots = evening.slots.slice(from).concat(dawn.slots.slice(0, to));
      const total = evening.total.slice(from).concat(dawn.total.slice(0, to));
      const estimated = evening.estimated.slice(from).concat(dawn.estimated.slice(0, to));
      const reported = total.map(function (wh, i) { return Math.max(0, Math.round((wh - estimated[i]) * 1000) / 1000); });
      const labels = slots.map(function (s) { return CityCharts.timeLabel(Date.parse(s)); });
      const old = Chart.getChart(canvas);
      if (old) old.destroy();
      CityCharts.bars(canvas, labels, [
        { label: "Metered or from reported power (Wh)", values: reported },
        { label: "Estimated (Wh)", values: estimated },
      ], { stacked: true, yTitle: "Wh per half hour" });
      const sum = function (xs) { return xs.reduce(function (a, b) { return a + b; }, 0); };
      const kwh = function (wh) { return (wh / 1000).toLocaleString(undefined, { maximumFractionDigits: 2 }) + " kWh"; };
      const totals = document.getElementById("energy-total");
      totals.replaceChildren();
      [["Night total", sum(total)], ["of which estimated", sum(estimated)]].forEach(function (t) {
        const span = document.createElement("span");
        span.append(t[0] + " ");
        const b = document.createElement("b"); b.textContent = kwh(t[1]); span.append(b);
        totals.append(span);
      });
      canvas.dataset.night = night;
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message; status.className = "status-line error";
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const u = new URL(location.href);
    u.searchParams.set("zone", form.elements.zone.value);
    u.searchParams.set("night", form.elements.night.value);
    history.replaceState(null, "", u);
    show();
  });
  form.elements.zone.addEventListener("change", function () { form.requestSubmit(); });
  show();
})();
