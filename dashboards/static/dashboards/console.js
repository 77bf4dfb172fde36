/* The security console: the alarm queue (live), an alarm's detail and actions, the map with
 * lights and cameras, "brighten this area", active overrides, emergency mode.
 * Everything it changes goes through the REST API with the session and the CSRF token. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("console-data").textContent);
  const zoneIds = JSON.parse(document.getElementById("zone-ids").textContent);
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const api = CityLive.api;
  const $ = function (id) { return document.getElementById(id); };

  const map = CityMap.create($("map"), { config: config, dataUrl: "/pages/map.json" });
  window.cityMap = map;

  // --- the queue -------------------------------------------------------------------------------
  const alarms = new Map();
  let selected = null;
  const body = document.querySelector("#alarm-queue tbody");

  function age(ts) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  const STATE_LABELS = { new: "New", acknowledged: "In progress", on_hold: "On hold", closed: "Closed" };
  function statePill(a) {
    const state = a.state || "new";
    return el("span", STATE_LABELS[state] || state, "pill " + state);
  }
  function zoneName(id) { return id === null || id === undefined ? "—" : (data.zones[id] || "zone " + id); }

  function render() {
    const open = Array.from(alarms.values()).filter(function (a) { return a.state !== "closed"; });
    open.sort(function (a, b) { return a.priority - b.priority || Date.parse(b.raised_at) - Date.parse(a.raised_at); });
    const rows = open.map(function (a) {
      const tr = el("tr");
      tr.dataset.alarm = a.id;
      tr.dataset.priority = a.priority;
      if (a.id === selected) tr.classList.add("selected");
      if (a._fresh) { tr.classList.add("fresh"); delete a._fresh; }
      tr.appendChild(el("td", String(a.priority), "num"));
      const ageCell = el("td", age(a.raised_at), "num age"); ageCell.dataset.ts = a.raised_at; tr.appendChild(ageCell);
      const title = el("td"); title.appendChild(document.createTextNode(a.title + " "));
      if (a.category === "welfare") title.appendChild(el("span", "welfare", "pill welfare"));
      if (a.event_count > 1) title.appendChild(el("span", " ×" + a.event_count, "muted"));
      tr.appendChild(title);
      tr.appendChild(el("td", a.camera || (a.category === "emergency" ? "warning" : "—")));
      tr.appendChild(el("td", zoneName(a.zone_id)));
      const st = el("td"); st.appendChild(statePill(a));
      if (a.assignee) st.appendChild(el("span", " " + a.assignee, "muted"));
      tr.appendChild(st);
      tr.addEventListener("click", function () { select(a.id); });
      return tr;
    });
    if (!rows.length) { const tr = el("tr"); const td = el("td", "No open alarms.", "empty"); td.colSpan = 6; tr.appendChild(td); rows.push(tr); }
    body.replaceChildren.apply(body, rows);
    $("alarm-count").textContent = open.length + " open";
  }
  function upsert(a, fresh) {
    const known = alarms.has(a.id);
    alarms.set(a.id, Object.assign(alarms.get(a.id) || {}, a, fresh && !known ? { _fresh: true } : {}));
    render();
    if (a.id === selected) loadDetail(a.id);
  }
  data.alarms.forEach(function (a) { alarms.set(a.id, a); });
  render();
  setInterval(function () {
    document.querySelectorAll("#alarm-queue td.age").forEach(function (td) { td.textContent = age(td.dataset.ts); });
  }, 5000);

  // --- an alarm's detail ---------------------------------------------------------------------
  function fact(dl, term, value) { dl.appendChild(el("dt", term)); dl.appendChild(el("dd", value === null || value === undefined || value === "" ? "—" : String(value))); }
  function when(ts) { return ts ? CityTime.when(ts) : "—"; }

  /* The alarm's lighting response in words: no override ids, database light ids or raw
   * flags; times in the site's zone (CityTime). */
  function lightingFacts(dl, ctx) {
    if (!Object.keys(ctx).length) { fact(dl, "Response", "none recorded"); return; }
    if (ctx.skipped) { fact(dl, "Response", "none: " + ctx.skipped); return; }
    if (ctx.error) { fact(dl, "Response", "failed: " + ctx.error); return; }
    const how = { max: "at least", min: "at most", set: "exactly" }[ctx.operation] || "";
    fact(dl, "Lights", (how ? how + " " : "") + Math.round(ctx.level) + " %");
    let where = "";
    if (ctx.light_ids) where = ctx.light_ids.length === 1 ? "the light nearest the camera" : "the " + ctx.light_ids.length + " lights nearest the camera";
    else if (ctx.zone_id) where = "every light of " + zoneName(ctx.zone_id);
    else if (ctx.radius_m) where = "the lights within " + Math.round(ctx.radius_m) + " m of the camera";
    if (where) fact(dl, "Where", where);
    if (ctx.started_at) fact(dl, "From", when(ctx.started_at));
    if (ctx.expires_at) fact(dl, "Until", when(ctx.expires_at));
    fact(dl, "While the alarm is open", ctx.extend ? "kept up" + (ctx.bound_at ? ", at most until " + when(ctx.bound_at) : "") : "not kept up: it ends at its time");
    if (ctx.state) fact(dl, "Now", ctx.state.replace(/_/g, " "));
  }

  async function loadDetail(id) {
    let a;
    try { a = await api("/api/v1/cctv/alarms/" + id + "/"); }
    catch (error) { $("detail-error").textContent = error.message; return; }
    $("alarm-detail").hidden = false;
    $("detail-error").textContent = "";
    $("detail-title").textContent = a.title;
    const pills = $("detail-pills"); pills.replaceChildren(statePill(a));
    if ($("alarm-actions")) { $("alarm-actions").hidden = a.state === "closed"; $("note-form").hidden = a.state === "closed"; }
    if (a.category === "welfare") pills.appendChild(el("span", "welfare", "pill welfare"));
    const facts = $("detail-facts"); facts.replaceChildren();
    fact(facts, "Priority", a.priority); fact(facts, "Camera", a.camera); fact(facts, "Zone", zoneName(a.zone));
    fact(facts, "Rule", a.rule); fact(facts, "Raised", when(a.raised_at)); fact(facts, "Events", (a.events || []).length + " (last " + when(a.last_event_at) + ")");
    fact(facts, "Assignee", a.assignee); if (a.resolution) fact(facts, "Resolution", a.resolution.replace("_", " "));
    const tl = $("detail-timeline"); tl.replaceChildren();
    (a.timeline || []).forEach(function (entry) {
      const li = el("li"); li.appendChild(el("time", when(entry.at || entry.created_at)));
      li.appendChild(document.createTextNode((entry.action || "") + ((entry.by || entry.actor) ? " by " + (entry.by || entry.actor) : "") + (entry.text ? ": " + entry.text : "")));
      tl.appendChild(li);
    });
    const lighting = $("detail-lighting"); lighting.replaceChildren();
    lightingFacts(lighting, a.lighting || {});
    const cmds = $("detail-commands"); cmds.replaceChildren();
    (a.commands || []).forEach(function (c) {
      const tr = el("tr"); tr.appendChild(el("td", c.device_id)); tr.appendChild(el("td", Math.round(c.level) + " %", "num"));
      const st = el("td"); st.appendChild(el("span", c.state.replace("_", " "), "pill " + c.state)); tr.appendChild(st);
      cmds.appendChild(tr);
    });
    if (!(a.commands || []).length) { const tr = el("tr"); const td = el("td", "No lighting response.", "muted"); td.colSpan = 3; tr.appendChild(td); cmds.appendChild(tr); }
  }
  function select(id) { selected = id; render(); loadDetail(id); }

  async function act(action, payload) {
    if (selected === null) return;
    $("detail-error").textContent = "";
    try {
      const a = await api("/api/v1/cctv/alarms/" + selected + "/" + action + "/", { method: "POST", body: payload || {} });
      upsert({ id: a.id, state: a.state, assignee: a.assignee, resolution: a.resolution, priority: a.priority });
      loadDetail(selected);
    } catch (error) { $("detail-error").textContent = error.message; }
  }
  const actions = $("alarm-actions");
  if (actions) {
    actions.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const action = button.dataset.action;
      if (action === "assign") act("assign", { assignee: data.user });
      else if (action === "close") act("close", { resolution: $("close-resolution").value });
      else act(action);
    });
    $("note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      const input = event.target.elements.text;
      if (!input.value.trim()) return;
      act("notes", { text: input.value.trim() }).then(function () { input.value = ""; });
    });
  }

  // --- brighten this area ----------------------------------------------------------------------
  let point = null;
  const form = $("brighten-form");
  if (form) {
    map.onClick(function (latlng) {
      point = latlng;
      form.elements.area.value = "point";
      map.showCircle(latlng, Number(form.elements.radius.value) || 100);
      $("point-text").textContent = latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
    });
    form.elements.radius.addEventListener("input", function () { if (point) map.showCircle(point, Number(form.elements.radius.value) || 100); });
    function request() {
      const f = form.elements;
      const scope = f.area.value === "zone" ? { zone_id: Number(f.zone.value) }
        : point ? { latitude: point.lat, longitude: point.lng, radius_m: Number(f.radius.value) } : null;
      return scope && { scope: scope, level: Number(f.level.value), operation: "max", priority: data.boost_priority,
                        duration_min: Number(f.duration.value), reason: f.reason.value || "Operator brightening" };
    }
    // How many lights the chosen scope covers, asked of the server (the one rule of coverage).
    async function lightCount(scope) {
      const q = scope.zone_id ? "zone=" + scope.zone_id
        : "lat=" + scope.latitude + "&lon=" + scope.longitude + "&radius=" + scope.radius_m;
      return (await api("/pages/scope-count.json?" + q)).lights;
    }
    function plural(n) { return n === 1 ? "1 light" : n.toLocaleString() + " lights"; }
    async function showCount() {
      const r = request();
      if (!r) { $("brighten-count").textContent = ""; return; }
      try {
        const n = await lightCount(r.scope);
        $("brighten-count").textContent = n ? "This covers " + plural(n) + "." : "This covers no lights.";
      } catch (error) { $("brighten-count").textContent = error.message; }
    }
    form.elements.zone.addEventListener("change", function () { form.elements.area.value = "zone"; showCount(); });
    form.elements.radius.addEventListener("change", showCount);
    form.querySelectorAll("input[name=area]").forEach(function (r) { r.addEventListener("change", showCount); });
    map.onClick(showCount);
    showCount();
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      $("brighten-error").textContent = "";
      const r = request();
      if (!r) { $("brighten-error").textContent = "Pick a zone, or click a point on the map."; return; }
      const where = r.scope.zone_id ? data.zones[r.scope.zone_id] : r.scope.radius_m + " m around the point";
      let n;
      try { n = await lightCount(r.scope); } catch (error) { $("brighten-error").textContent = error.message; return; }
      if (!n) {
        $("brighten-error").textContent = where + " has no lights to brighten: choose another zone or a point near lights.";
        return;
      }
      $("brighten-summary").textContent = "Brighten " + where + " (" + plural(n) + ") to at least " + r.level + " % for " + r.duration_min + " min?";
      $("brighten-confirm").hidden = false;
      $("brighten-submit").hidden = true;
    });
    function reset() { $("brighten-confirm").hidden = true; $("brighten-submit").hidden = false; }
    $("brighten-cancel").addEventListener("click", reset);
    $("brighten-go").addEventListener("click", async function () {
      try {
        const o = await api("/api/v1/lighting/overrides/", { method: "POST", body: request() });
        addOverride(o);
        reset();
      } catch (error) {
        $("brighten-error").textContent = error.message + (error.extra ? " " + JSON.stringify(error.extra) : "");
        reset();
      }
    });
  }

  // --- overrides and emergency -----------------------------------------------------------------
  const overrides = new Map();
  function renderOverrides() {
    const list = $("override-list");
    const rows = Array.from(overrides.values()).sort(function (a, b) { return a.priority - b.priority; }).map(function (o) {
      const tr = el("tr"); tr.dataset.override = o.id;
      tr.appendChild(el("td", String(o.priority), "num"));
      tr.appendChild(el("td", o.scope_kind + (o.zone_id || o.zone ? " · " + zoneName(o.zone_id || o.zone) : "")));
      tr.appendChild(el("td", o.operation + " " + Math.round(o.level) + " %", "num"));
      tr.appendChild(el("td", o.expires_at ? CityTime.clock(o.expires_at) : "until cleared", "num"));
      tr.appendChild(el("td", o.reason, "wrap"));
      return tr;
    });
    if (!rows.length) { const tr = el("tr"); const td = el("td", "None.", "muted"); td.colSpan = 5; tr.appendChild(td); rows.push(tr); }
    list.replaceChildren.apply(list, rows);
    $("override-count").textContent = overrides.size ? overrides.size + " active" : "";
  }
  function addOverride(o) { overrides.set(o.id || o.pk, Object.assign({ id: o.id || o.pk }, o)); renderOverrides(); }
  data.overrides.forEach(addOverride);
  renderOverrides();

  const emergency = $("emergency-button");
  if (emergency) {
    emergency.addEventListener("click", async function () {
      if (!window.confirm("Switch on emergency lighting (full level, priority 1) for the whole city?")) return;
      try { addOverride(await api("/api/v1/lighting/emergency/", { method: "POST", body: { reason: "Emergency mode from the security console" } })); }
      catch (error) { window.alert(error.message); }
    });
  }

  // --- live ------------------------------------------------------------------------------------
  async function refresh() {
    // Catch-up after a reconnect: the open alarms and overrides as they are now, the map's levels.
    try {
      const page = await api("/api/v1/cctv/alarms/?open=true&ordering=priority&page_size=500");
      alarms.clear();
      (page.results || page).forEach(function (a) { alarms.set(a.id, Object.assign({}, a, { zone_id: a.zone })); });
      render();
      const active = await api("/api/v1/lighting/overrides/?state=active&page_size=100");
      overrides.clear(); (active.results || active).forEach(addOverride); renderOverrides();
    } catch (error) { console.error(error); }
    map.reload();
  }
  window.cityAlarms = alarms;
  window.cityLive = CityLive.start({
    topics: ["alarms", "overrides"].concat(zoneIds.map(function (z) { return "zone:" + z; })),
    on: {
      "alarm.raised": function (a) { upsert(a, true); },
      "alarm.updated": function (a) { upsert(a, false); },
      "override.started": addOverride,
      "override.ended": function (o) { overrides.delete(o.id); renderOverrides(); },
      "light.state": map.updateLight,
      "device.status": map.updateDevice,
      // a command on its way: the light shows "pending" its level; acknowledged, it is at it
      "command.updated": function (c) {
        if (c.state === "queued" || c.state === "sent") map.updateLight({ device_id: c.device_id, desired_level: c.level });
        else if (c.state === "succeeded") map.updateLight({ device_id: c.device_id, level: c.level });
      },
    },
    refresh: refresh,
  });
})();
