/* The live lighting page's additions: the open lamp faults table kept live from the "faults"
 * topic (kinds fault.raised and fault.cleared), the zone levels and overrides fetched again when
 * an override starts or ends (the "overrides" topic) or lights change level, and tonight's
 * profile of a chosen zone. */
(function () {
  "use strict";

  function stamp(iso) { return CityTime.when(iso); }

  /* live: a CityLive client subscribed to "faults"; config: the page's lighting_page data. */
  function faults(live, config) {
    const table = document.querySelector("#fault-table tbody");
    const kinds = {};  // device_id → is it a streetlight (the table lists lamp faults only)

    function count() {
      const rows = table.querySelectorAll("tr[data-fault]").length;
      document.getElementById("fault-count").textContent = rows;
      table.querySelector("tr.no-fault").hidden = rows > 0;
    }

    async function isLight(f) {
      if (config.lamp_fault_types.includes(f.type)) return true;
      if (!(f.device_id in kinds)) {
        try {
          const asset = await CityLive.api("/api/v1/assets/" + encodeURIComponent(f.device_id) + "/");
          kinds[f.device_id] = asset.kind === "streetlight";
        } catch (error) { return false; }
      }
      return kinds[f.device_id];
    }

    live.on("fault.raised", async function (f) {
      if (f.cleared_at || table.querySelector('tr[data-fault="' + f.id + '"]')) return;
      if (!(await isLight(f))) return;
      const link = document.createElement("a");
      link.href = "/assets/" + encodeURIComponent(f.device_id) + "/"; link.textContent = f.device_id;
      const pill = document.createElement("span");
      pill.className = "pill alert"; pill.textContent = config.fault_types[f.type] || f.type;
      const tr = document.createElement("tr");
      tr.dataset.fault = f.id; tr.className = "fresh";
      [link, pill, document.createTextNode(stamp(f.raised_at))].forEach(function (content, i) {
        const td = document.createElement("td");
        if (i === 2) td.className = "num";
        td.append(content); tr.append(td);
      });
      table.prepend(tr);
      count();
    });
    live.on("fault.cleared", function (f) {
      const tr = table.querySelector('tr[data-fault="' + f.id + '"]');
      if (tr) { tr.remove(); count(); }
    });
  }

  function zoneProfile(config) {
    const form = document.getElementById("zone-profile-form");
    const canvas = document.getElementById("zone-profile-chart");
    const source = document.getElementById("zone-profile-source");
    async function draw() {
      const zone = form.elements.zone.value;
      if (!zone) { source.textContent = "No zone yet."; return; }
      const params = new URLSearchParams({ zone: zone });
      if (form.elements.night.value) params.set("night", form.elements.night.value);
      try {
        const p = await CityLive.api(config.profile_api + "?" + params.toString());
        if (!form.elements.night.value) form.elements.night.value = p.night;
        CityCharts.profile(canvas, p);
        canvas.dataset.zone = zone; canvas.dataset.night = p.night;
        source.className = "status-line";
        source.textContent = p.programme
          ? "Programme " + p.programme.name + " (" + (p.rule ? "rule " + p.rule : "default") + " of calendar " + p.calendar.name + ")"
          : p.calendar ? "Calendar " + p.calendar.name + " has no programme for this night: off" : "No calendar assigned: off";
      } catch (error) {
        source.className = "status-line error"; source.textContent = error.message;
      }
    }
    form.addEventListener("change", draw);
    form.addEventListener("submit", function (event) { event.preventDefault(); draw(); });
    draw();
    return draw;
  }

  /* The zone table and the override panel, rendered again by the server (url) at most once per
   * THROTTLE_MS however many messages come: an override made, cancelled or expired, a light
   * reaching its level. Returns schedule(), which the page calls on those messages. */
  const THROTTLE_MS = 1500;
  function state(url) {
    let timer = null, last = 0, running = false, again = false;
    async function load() {
      timer = null;
      if (running) { again = true; return; }
      running = true; last = Date.now();
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!response.ok) throw new Error(response.statusText);
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        const rows = doc.querySelector("#zone-table tbody"), panel = doc.getElementById("override-panel");
        const table = document.querySelector("#zone-table tbody");
        if (rows && table) table.replaceWith(rows);
        if (panel) document.getElementById("override-panel").replaceChildren(...panel.childNodes);
        document.body.dataset.lightingState = String(last);
      } catch (error) {
        console.warn("lighting state not refreshed", error);
      } finally {
        running = false;
        if (again) { again = false; schedule(); }
      }
    }
    function schedule() {
      if (timer) return;
      timer = setTimeout(load, Math.max(0, last + THROTTLE_MS - Date.now()));
    }
    return schedule;
  }

  /* Cancel buttons of the override panel (whose rows are replaced: one listener on the panel). */
  function cancelButtons(panel, refresh) {
    panel.addEventListener("click", async function (event) {
      const button = event.target.closest("button.cancel-override");
      if (!button) return;
      button.disabled = true;
      try {
        await CityLive.api("/api/v1/lighting/overrides/" + button.dataset.id + "/cancel/", { method: "POST", body: { reason: "Cancelled from the lighting page" } });
        button.closest("tr").remove();
        refresh();
      } catch (error) {
        button.disabled = false;
        document.getElementById("override-error").textContent = error.message;
      }
    });
  }

  window.CityLighting = { faults: faults, zoneProfile: zoneProfile, state: state, cancelButtons: cancelButtons };
})();
