/* The map: zones as polygons, lights as circle markers coloured by level, cameras.
 *
 *   const map = CityMap.create(element, {config, dataUrl, zones: [ids] | null});
 *   await map.ready;                         // data loaded and drawn
 *   map.updateLight({device_id, level, desired_level, online});
 *   map.light("SL-1")  -> {level, desired, online}
 *   map.reload();                            // catch-up after a reconnect
 *   map.onClick(fn(latlng)); map.showCircle(latlng, radius_m); map.clearCircle();
 *
 * With no tile URL configured the map has a plain background: the machines are offline, and
 * zones, lights and cameras are still drawn. Markers are drawn on a canvas so that a city of
 * 12,000 lights stays fluid.
 */
(function () {
  "use strict";

  /* Level 0 → dark, 100 → bright warm white; unknown → grey. */
  function levelColour(level) {
    if (level === null || level === undefined) return "#5b6570";
    const t = Math.max(0, Math.min(100, level)) / 100;
    const from = [58, 46, 20], to = [255, 226, 120];
    const c = from.map(function (f, i) { return Math.round(f + (to[i] - f) * t); });
    return "rgb(" + c.join(",") + ")";
  }

  const ZONE_STYLE = { color: "#4aa3ff", weight: 1.5, fillColor: "#4aa3ff", fillOpacity: 0.06 };
  const ZONE_STYLE_HIGH_RISK = { color: "#c58cff", weight: 1.5, fillColor: "#c58cff", fillOpacity: 0.08 };

  function lightStyle(light) {
    const pending = light.desired !== null && light.desired !== undefined &&
      (light.level === null || Math.abs(light.desired - light.level) >= 1);
    return {
      radius: 5,
      weight: pending ? 2.5 : 1,
      color: light.online === false ? "#e5484d" : pending ? "#ffffff" : "#11161c",
      dashArray: pending ? "3 2" : null,
      fillColor: levelColour(light.level),
      fillOpacity: 0.95,
    };
  }

  function lightLabel(light) {
    const level = light.level === null || light.level === undefined ? "—" : Math.round(light.level) + " %";
    let text = "<b>" + light.id + "</b> " + level;
    if (light.desired !== null && light.desired !== undefined && light.desired !== light.level) {
      text += " (pending " + Math.round(light.desired) + " %)";
    }
    if (light.online === false) text += " · offline";
    return text;
  }

  function create(element, options) {
    const config = options.config || {};
    const map = L.map(element, { preferCanvas: true, zoomControl: true, attributionControl: !!config.tileUrl });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.attribution || "", maxZoom: 20 }).addTo(map);
    } else {
      element.classList.add("map-plain");
    }
    map.setView(config.center || [51.5155, -0.0922], 15);
    const renderer = L.canvas({ padding: 0.3 });
    const zoneLayer = L.layerGroup().addTo(map);
    const lightLayer = L.layerGroup().addTo(map);
    const cameraLayer = L.layerGroup().addTo(map);
    const overlayLayer = L.layerGroup().addTo(map);
    const lights = new Map();
    const cameras = new Map();
    let circle = null;
    const clickHandlers = [];

    map.on("click", function (event) {
      clickHandlers.forEach(function (fn) { fn(event.latlng); });
    });

    function draw(data) {
      zoneLayer.clearLayers(); lightLayer.clearLayers(); cameraLayer.clearLayers();
      lights.clear(); cameras.clear();
      // The view fits the city's zones; devices only when no zone has a boundary, so that one
      // asset with mistyped coordinates cannot zoom every map out to the whole world.
      const bounds = L.latLngBounds([]);
      const deviceBounds = L.latLngBounds([]);
      data.zones.forEach(function (zone) {
        if (!zone.boundary) return;
        const layer = L.geoJSON(zone.boundary, {
          style: zone.kind === "high_risk_site" ? ZONE_STYLE_HIGH_RISK : ZONE_STYLE,
          interactive: false,
        });
        layer.bindTooltip(zone.name, { sticky: true });
        layer.addTo(zoneLayer);
        bounds.extend(layer.getBounds());
      });
      data.lights.forEach(function (light) {
        const marker = L.circleMarker([light.lat, light.lon], Object.assign({ renderer: renderer }, lightStyle(light)));
        marker.bindTooltip(function () { return lightLabel(lights.get(light.id).data); });
        marker.addTo(lightLayer);
        lights.set(light.id, { data: light, marker: marker });
        deviceBounds.extend([light.lat, light.lon]);
      });
      data.cameras.forEach(function (camera) {
        const marker = L.circleMarker([camera.lat, camera.lon], {
          renderer: renderer, radius: 7, weight: 2, color: camera.online === false ? "#e5484d" : "#4aa3ff",
          fillColor: "#0f1720", fillOpacity: 1,
        });
        marker.bindTooltip("<b>" + camera.id + "</b> camera" + (camera.online === false ? " · offline" : ""));
        marker.addTo(cameraLayer);
        cameras.set(camera.id, { data: camera, marker: marker });
        deviceBounds.extend([camera.lat, camera.lon]);
      });
      const view = bounds.isValid() ? bounds : deviceBounds;
      if (!options.keepView && view.isValid()) map.fitBounds(view, { padding: [20, 20], maxZoom: 18 });
      options.keepView = true;  // a reload after a reconnect keeps what the user is looking at
      element.dataset.lights = String(lights.size);
      element.dataset.cameras = String(cameras.size);
      if (options.onDraw) options.onDraw(data);
    }

    function reload() {
      let url = options.dataUrl;
      if (options.zones) url += (url.indexOf("?") < 0 ? "?" : "&") + "zones=" + options.zones.join(",");
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("map data: " + r.status); return r.json(); })
        .then(draw)
        .then(function () { element.dataset.ready = "1"; });
    }

    function updateLight(update) {
      const entry = lights.get(update.device_id);
      if (!entry) return false;
      const d = entry.data;
      if ("level" in update) d.level = update.level;
      if ("desired_level" in update) d.desired = update.desired_level;
      if ("online" in update && update.online !== undefined) d.online = update.online;
      entry.marker.setStyle(lightStyle(d));
      if (options.onLight) options.onLight(d);
      return true;
    }

    function updateDevice(status) {
      const entry = lights.get(status.device_id) || cameras.get(status.device_id);
      if (!entry) return;
      entry.data.online = status.online;
      if (lights.has(status.device_id)) entry.marker.setStyle(lightStyle(entry.data));
      else entry.marker.setStyle({ color: status.online === false ? "#e5484d" : "#4aa3ff" });
    }

    return {
      leaflet: map,
      ready: reload(),
      reload: reload,
      updateLight: updateLight,
      updateDevice: updateDevice,
      light: function (id) { const e = lights.get(id); return e ? Object.assign({}, e.data) : null; },
      lights: function () { return Array.from(lights.values()).map(function (e) { return e.data; }); },
      onClick: function (fn) { clickHandlers.push(fn); },
      showCircle: function (latlng, radius) {
        if (circle) overlayLayer.removeLayer(circle);
        circle = L.circle(latlng, { radius: radius, color: "#f5b301", weight: 2, fillOpacity: 0.12 }).addTo(overlayLayer);
      },
      clearCircle: function () { if (circle) overlayLayer.removeLayer(circle); circle = null; },
      overlays: overlayLayer,
    };
  }

  window.CityMap = { create: create, levelColour: levelColour };
})();
