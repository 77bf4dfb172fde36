/* CityTime: the one way the pages write an instant, in the site's time zone (its name given by
 * the page as <body data-time-zone>) and saying which, as the server does (cityplatform/timefmt.py):
 * CityTime.when(iso) → "03 Dec 2026, 17:05 GMT", CityTime.clock(iso) → "17:05 GMT". */
(function () {
  "use strict";
  const zone = (document.body && document.body.dataset.timeZone) || "Europe/London";
  const formats = {};

  function parts(value, withDate) {
    const key = withDate ? "date" : "time";
    if (!formats[key]) {
      const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
      if (withDate) Object.assign(options, { day: "2-digit", month: "short", year: "numeric" });
      formats[key] = new Intl.DateTimeFormat("en-GB", options);
    }
    const out = {};
    formats[key].formatToParts(value instanceof Date ? value : new Date(value)).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function valid(value) { return value !== null && value !== undefined && value !== "" && !isNaN(new Date(value)); }

  function when(value) {
    if (!valid(value)) return "";
    const p = parts(value, true);
    return p.day + " " + p.month + " " + p.year + ", " + p.hour + ":" + p.minute + " " + p.timeZoneName;
  }

  function clock(value) {
    if (!valid(value)) return "";
    const p = parts(value, false);
    return p.hour + ":" + p.minute + " " + p.timeZoneName;
  }

  /* Without the zone's name: for chart axes, where the zone is said once beside the chart. */
  function hhmm(value) {
    if (!valid(value)) return "";
    const p = parts(value, false);
    return p.hour + ":" + p.minute;
  }

  /* A wall-clock reading in the site's zone (an <input type="datetime-local"> value,
   * "2026-11-20T23:30") as an instant (ISO, UTC), whatever the browser's own zone. */
  function fromLocalInput(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || "");
    if (!m) return "";
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let at = wall;
    for (let i = 0; i < 2; i++) {  // twice: the offset at the guess may differ across a change
      const p = new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(at));
      const v = {}; p.forEach(function (x) { v[x.type] = +x.value; });
      const seen = Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute);
      at = at + (wall - seen);
    }
    return new Date(at).toISOString();
  }

  window.CityTime = { zone: zone, when: when, clock: clock, hhmm: hhmm, fromLocalInput: fromLocalInput };
})();
