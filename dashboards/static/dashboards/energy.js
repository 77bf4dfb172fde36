/* The energy page: one zone's lighting night (noon to noon) half-hourly from the lighting API's
 * energy/?period=night&by=half_hour (each zone there counts the zones within it), the zones
 * within the chosen one with kWh, cost, CO₂ and the saving against the undimmed baseline, and
 * a month or a range of days (the last 7 or 30 up to the chosen night, or from/to) day by day
 * (energy/?by=day) when asked for (a report a day: slow for a whole city). A night or a zone without data says so, never 0 kWh. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("energy-config").textContent);
  const form = document.getElementById("energy-form");
  const monthForm = document.getElementById("energy-month-form");
  const daysForm = document.getElementById("energy-days-form");
  const canvas = document.getElementById("energy-chart");
  const status = document.getElementById("energy-status");
  const noData = document.getElementById("energy-nodata");

  function shiftDay(iso, days) {
    const d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function url(params) { return config.api + "?" + new URLSearchParams(params).toString(); }
  const number = function (x, digits) { return x.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits }); };
  const kwh = function (x) { return number(x, 2) + " kWh"; };
  const gbp = function (x) { return "£" + number(x, 2); };
  const kg = function (x) { return number(x, 1) + " kg"; };

  function cell(text, scope) {
    const td = document.createElement(scope ? "th" : "td");
    if (scope) td.scope = scope;
    td.textContent = text;
    return td;
  }

  /* One zone's figures as table cells: "no data" or "no lights" rather than zeros. */
  function figures(row) {
    if (!row.lights) return [cell("no lights"), cell("—"), cell("—"), cell("—"), cell("—"), cell("—")];
    const counted = row.lights_with_data + " of " + row.lights;
    if (!row.has_data) return [cell(counted), cell("no data"), cell("—"), cell("—"), cell("—"), cell("—")];
    return [cell(counted), cell(number(row.kwh, 2)), cell(gbp(row.cost_gbp)), cell(kg(row.co2_kg)),
            cell(number(row.saved_kwh, 2)), cell(gbp(row.saved_gbp))];
  }

  function totals(target, items) {
    target.replaceChildren();
    items.forEach(function (t) {
      const span = document.createElement("span");
      span.append(t[0] + " ");
      const b = document.createElement("b"); b.textContent = t[1]; span.append(b);
      target.append(span);
    });
  }

  function describe(row, what) {
    if (!row || !row.lights) return "No lights in this zone (nor in the zones within it): nothing to count.";
    if (!row.has_data) return "No data for " + what + ": none of its " + row.lights + " lights reported energy, power or a level, and none was commanded. This is not 0 kWh.";
    if (row.lights_with_data < row.lights) return (row.lights - row.lights_with_data) + " of its " + row.lights + " lights have no data for " + what + ": the figures count the others.";
    return "";
  }

  function showChildren(report, zone) {
    const tbody = document.querySelector("#energy-children tbody");
    const tfoot = document.querySelector("#energy-children tfoot");
    const rows = report.zones.filter(function (z) { return String(z.parent_id) === String(zone); });
    rows.sort(function (a, b) { return a.zone_name.localeCompare(b.zone_name); });
    const self = report.zones.find(function (z) { return String(z.zone_id) === String(zone); });
    tbody.replaceChildren();
    rows.forEach(function (z) {
      const tr = document.createElement("tr");
      tr.dataset.zone = z.zone_id;
      const name = cell(""); const a = document.createElement("a");
      a.href = "?zone=" + z.zone_id + "&night=" + form.elements.night.value; a.textContent = z.zone_name;
      name.append(a);
      tr.append(name, ...figures(z));
      tbody.append(tr);
    });
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = cell("No zones within this one."); td.colSpan = 7; td.className = "muted";
      tr.append(td); tbody.append(tr);
    }
    tfoot.replaceChildren();
    if (self) {
      const tr = document.createElement("tr");
      tr.dataset.zone = self.zone_id; tr.className = "total";
      tr.append(cell(self.zone_name + " (total)", "row"), ...figures(self));
      tfoot.append(tr);
    }
  }

  async function show() {
    const zone = form.elements.zone.value, night = form.elements.night.value;
    if (!zone || !night) return;
    const morning = shiftDay(night, 1);
    document.getElementById("energy-export-night").href = url({ date: night, zone: zone, by: "half_hour", period: "night", export: "csv" });
    document.getElementById("energy-export-first").href = url({ date: night, zone: zone, by: "half_hour", export: "csv" });
    document.getElementById("energy-export-second").href = url({ date: morning, zone: zone, by: "half_hour", export: "csv" });
    document.getElementById("energy-export-lights").href = url({ date: night, zone: zone, by: "light", export: "csv" });
    document.getElementById("energy-export-bscp520").href = url({ date: night, zone: zone, by: "charge_code", export: "csv" });
    status.textContent = "Loading…"; status.className = "status-line";
    try {
      const report = await CityLive.api(url({ date: night, zone: zone, by: "half_hour", period: "night" }));
      const row = report.zones.find(function (z) { return String(z.zone_id) === String(zone); });
      const n = report.slots.length;
      const total = row ? row.half_hours : new Array(n).fill(0);
      const estimated = row ? row.estimated_half_hours : new Array(n).fill(0);
      const reported = total.map(function (wh, i) { return Math.max(0, Math.round((wh - estimated[i]) * 1000) / 1000); });
      const labels = report.slots.map(function (s) { return CityCharts.timeLabel(Date.parse(s)); });
      const old = Chart.getChart(canvas);
      if (old) old.destroy();
      CityCharts.bars(canvas, labels, [
        { label: "Metered or from reported power (Wh)", values: reported },
        { label: "Estimated (Wh)", values: estimated },
      ], { stacked: true, yTitle: "Wh per half hour" });
      const message = describe(row, "the night of " + night);
      noData.textContent = message; noData.hidden = !message;
      const target = document.getElementById("energy-total");
      if (row && row.has_data) {
        totals(target, [["Night total", kwh(row.kwh)], ["of which estimated", kwh(row.estimated_wh / 1000)],
                        ["Cost", gbp(row.cost_gbp)], ["CO₂e", kg(row.co2_kg)],
                        ["Saved against undimmed", kwh(row.saved_kwh) + " · " + gbp(row.saved_gbp)]]);
      } else {
        totals(target, [["Night total", "no data"]]);
      }
      showChildren(report, zone);
      canvas.dataset.night = night;
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message; status.className = "status-line error";
    }
  }

  // The days shown: a month ({month}) or a range ({from, to}); the last one asked for.
  let shown = null;

  function showMonth() { shown = { month: monthForm.elements.month.value }; return showDays(); }

  function showRange(from, to) {
    daysForm.elements.from.value = from; daysForm.elements.to.value = to;
    shown = { from: from, to: to };
    return showDays();
  }

  async function showDays() {
    const zone = form.elements.zone.value;
    const monthStatus = document.getElementById("energy-month-status");
    if (!zone || !shown || !(shown.month || (shown.from && shown.to))) return;
    const month = shown.month, label = month ? "Month" : "Days";
    const option = form.elements.zone.selectedOptions[0];
    document.getElementById("energy-month-zone").textContent = option ? option.textContent.trim() : "";
    monthStatus.textContent = "Counting each day… (a month of a city of 12,000 lights takes about a minute)";
    monthStatus.className = "status-line";
    try {
      const body = await CityLive.api(url(Object.assign({ by: "day", zone: zone }, shown)));
      const tbody = document.querySelector("#energy-month-table tbody");
      tbody.replaceChildren();
      body.days.forEach(function (d) {
        const tr = document.createElement("tr");
        tr.dataset.date = d.date;
        tr.append(cell(new Date(d.date + "T12:00:00Z").toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" }), "row"));
        if (!d.lights) tr.append(cell("no lights"), cell("—"), cell("—"), cell("—"), cell("—"));
        else if (!d.has_data) tr.append(cell("no data"), cell("—"), cell("—"), cell("—"), cell("—"));
        else tr.append(cell(number(d.kwh, 2)), cell(gbp(d.cost_gbp)), cell(kg(d.co2_kg)), cell(number(d.saved_kwh, 2)), cell(kwh(d.estimated_wh / 1000)));
        tbody.append(tr);
      });
      const t = body.total;
      totals(document.getElementById("energy-month-total"), t.has_data
        ? [[label + " total", kwh(t.kwh)], ["Cost", gbp(t.cost_gbp)], ["CO₂e", kg(t.co2_kg)],
           ["Saved against undimmed", kwh(t.saved_kwh) + " · " + gbp(t.saved_gbp)], ["Days with data", String(t.days_with_data)]]
        : [[label + " total", "no data"]]);
      const table = document.getElementById("energy-month-table");
      if (month) { table.dataset.month = month; delete table.dataset.range; }
      else { table.dataset.range = shown.from + "/" + shown.to; delete table.dataset.month; }
      monthStatus.textContent = "";
    } catch (error) {
      monthStatus.textContent = error.message; monthStatus.className = "status-line error";
    }
  }

  function remember() {
    const u = new URL(location.href);
    u.searchParams.set("zone", form.elements.zone.value);
    u.searchParams.set("night", form.elements.night.value);
    history.replaceState(null, "", u);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); remember(); show(); });
  monthForm.addEventListener("submit", function (event) { event.preventDefault(); showMonth(); });
  daysForm.addEventListener("submit", function (event) {
    event.preventDefault(); showRange(daysForm.elements.from.value, daysForm.elements.to.value);
  });
  daysForm.querySelectorAll("button[data-days]").forEach(function (button) {
    button.addEventListener("click", function () {
      const last = form.elements.night.value || config.night;
      showRange(shiftDay(last, 1 - Number(button.dataset.days)), last);
    });
  });
  form.elements.zone.addEventListener("change", function () {
    remember(); show();
    if (shown) showDays();  // days shown: they follow the zone
  });
  show();
})();
