/* Select lights by drawing on the map, then make an override of exactly those lights.
 *
 *   CityMapSelect.attach(cityMap, document.getElementById("map-select"));
 *
 * Rectangle: press and drag. Polygon: click the corners, then double-click, press Enter or
 * click the first corner; Escape drops the drawing. Without a mouse: "The lights in view" after
 * moving the map with the keyboard. The lights inside are ringed and counted;
 * the form under the map makes the override through the lighting API (POST
 * /api/v1/lighting/overrides/ with the lights' scope), whose service checks the role's limits,
 * audits it and commands the lights. Only rendered for roles that may create any override.
 */
(function () {
  "use strict";

  /* Ray casting in degrees: exact enough over a city (the polygon's edges are short). */
  function inside(lat, lon, ring) {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i], b = ring[j];
      if ((a.lat > lat) !== (b.lat > lat) && lon < ((b.lng - a.lng) * (lat - a.lat)) / (b.lat - a.lat) + a.lng) hit = !hit;
    }
    return hit;
  }

  function attach(cityMap, root) {
    if (!root) return null;
    const map = cityMap.leaflet;
    const status = root.querySelector("[data-select-status]");
    const form = root.querySelector("form");
    const result = root.querySelector("[data-select-result]");
    const layer = L.layerGroup().addTo(map);
    const ringRenderer = cityMap.renderer;  // the zones' canvas: a canvas of its own would take their clicks
    let tool = null, corners = [], shape = null, selected = [];

    function setStatus(text) { status.textContent = text; }

    function buttons(active) {
      root.querySelectorAll("button[data-tool]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.tool === active)); });
    }

    function stopTool() {
      tool = null; corners = [];
      map.dragging.enable(); map.doubleClickZoom.enable();
      map.getContainer().classList.remove("map-drawing");
      // After the click the browser sends with the drag's mouseup, or it would open a panel.
      setTimeout(function () { if (!tool) cityMap.panels(true); }, 0);
      buttons(null);
    }

    function startTool(name) {
      clear();
      tool = name;
      map.dragging.disable(); map.doubleClickZoom.disable();
      map.getContainer().classList.add("map-drawing");
      cityMap.panels(false);
      buttons(name);
      setStatus(name === "rectangle" ? "Press and drag over the lights to select." : "Click the corners; double-click (or Enter, or the first corner) to finish.");
    }

    function clear() {
      layer.clearLayers(); shape = null; selected = [];
      form.hidden = true;
      root.dataset.selected = "0";
      setStatus("No light selected.");
    }

    function finish(ring) {
      stopTool();
      if (ring.length < 3) { clear(); return; }
      if (shape) layer.removeLayer(shape);
      shape = L.polygon(ring, { color: "#f5b301", weight: 2, fillOpacity: 0.08, interactive: false, renderer: ringRenderer }).addTo(layer);
      const b = shape.getBounds();
      selected = cityMap.lights().filter(function (l) {
        return l.key !== null && l.key !== undefined && b.contains([l.lat, l.lon]) && inside(l.lat, l.lon, ring);
      });
      selected.forEach(function (l) {
        L.circleMarker([l.lat, l.lon], { radius: 8, weight: 2, color: "#f5b301", fill: false, interactive: false, renderer: ringRenderer }).addTo(layer);
      });
      root.dataset.selected = String(selected.length);
      setStatus(selected.length ? selected.length + (selected.length === 1 ? " light" : " lights") + " selected." : "No light inside the shape: draw again.");
      form.hidden = selected.length === 0;
      result.textContent = "";
    }

    map.on("mousedown", function (e) {
      if (tool !== "rectangle") return;
      corners = [e.latlng];
      shape = L.rectangle(L.latLngBounds(e.latlng, e.latlng), { color: "#f5b301", weight: 2, fillOpacity: 0.08, interactive: false, renderer: ringRenderer }).addTo(layer);
    });
    map.on("mousemove", function (e) {
      if (tool === "rectangle" && corners.length) shape.setBounds(L.latLngBounds(corners[0], e.latlng));
      else if (tool === "polygon" && shape) shape.setLatLngs(corners.concat([e.latlng]));
    });
    map.on("mouseup", function (e) {
      if (tool !== "rectangle" || !corners.length) return;
      const b = L.latLngBounds(corners[0], e.latlng);
      finish([b.getSouthWest(), b.getNorthWest(), b.getNorthEast(), b.getSouthEast()]);
    });
    map.on("click", function (e) {
      if (tool !== "polygon") return;
      if (corners.length >= 3 && map.latLngToContainerPoint(corners[0]).distanceTo(e.containerPoint) < 10) { finish(corners.slice()); return; }
      corners.push(e.latlng);
      if (!shape) shape = L.polyline(corners.slice(), { color: "#f5b301", weight: 2, interactive: false, renderer: ringRenderer }).addTo(layer);
      else shape.setLatLngs(corners.slice());
    });
    map.on("dblclick", function () {
      if (tool !== "polygon") return;
      // A double-click is two clicks first: the second one's corner is the first one's again.
      const ring = corners.filter(function (c, i) { return i === 0 || !c.equals(corners[i - 1]); });
      finish(ring);
    });
    document.addEventListener("keydown", function (e) {
      if (!tool) return;
      if (e.key === "Escape") { stopTool(); clear(); }
      else if (e.key === "Enter" && tool === "polygon") { e.preventDefault(); finish(corners.slice()); }
    });

    root.querySelectorAll("button[data-tool]").forEach(function (b) {
      b.addEventListener("click", function () { if (tool === b.dataset.tool) { stopTool(); clear(); } else startTool(b.dataset.tool); });
    });
    root.querySelector("button[data-clear]").addEventListener("click", function () { stopTool(); clear(); });
    // Without a mouse: move and zoom the map with the keyboard (Leaflet's arrows and +/-), then
    // take the lights in view.
    root.querySelector("button[data-in-view]").addEventListener("click", function () {
      const b = map.getBounds();
      finish([b.getSouthWest(), b.getNorthWest(), b.getNorthEast(), b.getSouthEast()]);
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const f = form.elements;
      const body = {
        scope: { light_ids: selected.map(function (l) { return l.key; }) },
        level: Number(f.level.value), operation: f.operation.value, priority: Number(f.priority.value),
        duration_min: Number(f.duration.value), reason: f.reason.value.trim(),
      };
      result.className = "status-line";
      try {
        const o = await CityLive.api("/api/v1/lighting/overrides/", { method: "POST", body: body });
        const until = o.expires_at ? CityTime.clock(o.expires_at) : "cleared";
        result.textContent = "Override made: " + f.operation.value + " " + body.level + " % on " + selected.length +
          (selected.length === 1 ? " light" : " lights") + " until " + until + ".";
        root.dataset.override = String(o.id);
        layer.clearLayers(); selected = []; form.hidden = true; root.dataset.selected = "0";
        setStatus("Draw again to select other lights.");
      } catch (error) {
        result.className = "status-line error";
        result.textContent = "Not made: " + error.message;
      }
    });
    clear();
    return { clear: clear, selected: function () { return selected.map(function (l) { return l.id; }); } };
  }

  window.CityMapSelect = { attach: attach, inside: inside };
})();
