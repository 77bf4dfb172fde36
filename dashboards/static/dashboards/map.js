/* The map: a base layer, zones as polygons, lights as points coloured by level, cameras.
 *
 *   const map = CityMap.create(element, {config, dataUrl, zones: [ids] | null});
 *   await map.ready;                         // data loaded and drawn
 *   map.updateLight({device_id, level, desired_level, online});
 *   map.light("SL-1")  -> {level, desired, online}
 *   map.reload();                            // catch-up after a reconnect
 *   map.onClick(fn(latlng)); map.showCircle(latlng, radius_m); map.clearCircle();
 *   options.focus = {id, lat, lon}           // the asset page: that asset marked and centred
 *
 * The base layer: the council's tile server when `config.tileUrl` is set (MAP_TILE_URL), else
 * the platform's own streets and names (`config.streetsUrl`), which work offline. Zones, lights
 * are drawn on Leaflet's canvas renderer (`map.renderer`, which overlays drawn by other scripts
 * must share, or their canvas would take the zones' clicks); lights and cameras on a canvas of
 * their own drawn in bulk (map_lights.js), so 100,000 lights draw and zoom without a stall.
 * One tooltip and one panel (popup) serve them all. A click on a light, camera or zone opens
 * its panel, with a link to its asset page or the zone's assets where the role may.
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
      stroke: light.online === false ? "#e5484d" : pending ? "#ffffff" : "#11161c",
      dashed: pending,
      fill: levelColour(light.level),
    };
  }

  function cameraStyle(camera) {
    return { radius: 7, weight: 2, stroke: camera.online === false ? "#e5484d" : "#4aa3ff", dashed: false, fill: "#0f1720" };
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

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function levelText(level) {
    return level === null || level === undefined ? "no reading" : Math.round(level) + " %";
  }

  /* The base layer: the council's tiles, or the platform's streets under the zones. */
  function baseLayer(map, element, config) {
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.attribution || "", maxZoom: 20 }).addTo(map);
      element.dataset.base = "tiles";
      return;
    }
    element.classList.add("map-plain");
    element.dataset.base = "streets";
    if (!config.streetsUrl) return;
    map.createPane("streets").style.zIndex = 350;  // under the overlay pane's zones and lights
    // The names over the lights (450), so that a street of lights can still be read; they take
    // no pointer events, so the lights under them keep their clicks.
    map.createPane("streetLabels").style.zIndex = 455;
    const streetRenderer = L.canvas({ pane: "streets", padding: 0.3 });
    const labels = L.layerGroup();
    fetch(config.streetsUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("streets: " + r.status); return r.json(); })
      .then(function (data) {
        L.geoJSON(data, {
          pane: "streets", renderer: streetRenderer, interactive: false,
          style: function (f) {
            return f.properties.kind === "bridge" ? { color: "#8fa3b8", weight: 7, opacity: 0.8 } : { color: "#3a4a5c", weight: 6, opacity: 0.9 };
          },
          onEachFeature: function (f, layer) {
            const coords = f.geometry.coordinates, mid = coords[Math.floor((coords.length - 1) / 2)];
            const next = coords[Math.min(coords.length - 1, Math.floor((coords.length - 1) / 2) + 1)];
            const at = L.latLng((mid[1] + next[1]) / 2, (mid[0] + next[0]) / 2);
            labels.addLayer(L.tooltip({ permanent: true, direction: "center", className: "street-label", interactive: false, pane: "streetLabels" })
              .setLatLng(at).setContent(f.properties.name));
          },
        }).addTo(map);
        element.dataset.streets = String(data.features.length);
        const showLabels = function () { if (map.getZoom() >= 15) labels.addTo(map); else labels.remove(); };
        map.on("zoomend", showLabels);
        showLabels();
      })
      .catch(function () { element.dataset.streets = "0"; });
    map.attributionControl.addAttribution("Streets: the platform's city plan (offline)");
  }

  function create(element, options) {
    const config = options.config || {};
    const map = L.map(element, { preferCanvas: true, zoomControl: true });
    map.attributionControl.setPrefix(false);
    baseLayer(map, element, config);
    map.setView(config.center || [51.5155, -0.0922], 15);
    const renderer = L.canvas({ padding: 0.3 });
    const zoneLayer = L.featureGroup().addTo(map);
    map.createPane("devices").style.zIndex = 450;  // over the zones, under tooltips and panels
    const deviceLayer = CityMapPoints.layer({ pane: "devices" }).addTo(map);
    const overlayLayer = L.layerGroup().addTo(map);
    const lights = new Map();
    const cameras = new Map();
    const zones = new Map();
    let circle = null;
    let focusRing = null;
    let truncatedNote = "";
    const clickHandlers = [];
    const tooltip = L.tooltip({ direction: "top", offset: [0, -6] });
    const panel = L.popup({ maxWidth: 280, autoPanPadding: [20, 20] });
    let panelsOn = true;  // off while a drawing tool takes the clicks (map.panels(false))

    // A click: the device under the pointer, else the zone (whose click, fired just before the
    // map's, says which), else nothing; then the page's own handlers (the console's point).
    let clickedZone = null;
    zoneLayer.on("click", function (e) { clickedZone = e.layer.zone; });
    map.on("click", function (event) {
      const zone = clickedZone;
      clickedZone = null;
      if (!panelsOn) return;  // a drawing tool has the clicks
      const device = deviceLayer.hit(event.containerPoint);
      if (device) openPanel(event.latlng, devicePanel(device, device.kind));
      else if (zone) openPanel(event.latlng, zonePanel(zone));
      clickHandlers.forEach(function (fn) { fn(event.latlng); });
    });

    function hover(getLabel) {
      return function (event) { tooltip.setLatLng(event.latlng).setContent(getLabel(event.layer)); map.openTooltip(tooltip); };
    }
    function unhover() { map.closeTooltip(tooltip); }

    function link(href, text) { const a = el("a", text, { href: href }); return a; }

    function devicePanel(entry, kind) {  // kind: "light" or "camera"
      const d = entry.data, box = el("div", null, { class: "map-panel", "data-device": d.id });
      box.append(el("strong", d.id), el("div", d.name || ""));
      if (kind === "light") {
        box.append(el("div", "Level: " + levelText(d.level) + (d.desired !== null && d.desired !== undefined && d.desired !== d.level ? " (pending " + Math.round(d.desired) + " %)" : "")));
      } else box.append(el("div", "Camera"));
      box.append(el("div", d.online === false ? "Offline" : d.online === true ? "Online" : "Never seen"));
      const zone = zones.get(d.zone);
      if (zone) box.append(el("div", "Zone: " + zone.data.name));
      if (config.assetUrl) box.append(link(config.assetUrl + encodeURIComponent(d.id) + "/", "Open the asset page"));
      return box;
    }

    function zonePanel(zone) {
      const inZone = Array.from(lights.values()).filter(function (e) { return e.data.zone === zone.id; });
      const levels = inZone.map(function (e) { return e.data.level; }).filter(function (v) { return v !== null && v !== undefined; });
      const box = el("div", null, { class: "map-panel", "data-zone": String(zone.id) });
      box.append(el("strong", zone.name), el("div", (zone.kind || "zone").replace(/_/g, " ") + " · floor " + zone.min_level + " %"));
      box.append(el("div", inZone.length + (inZone.length === 1 ? " light" : " lights") + (levels.length ? " · mean level " + Math.round(levels.reduce(function (a, b) { return a + b; }, 0) / levels.length) + " %" : "")));
      if (config.inventoryUrl) box.append(link(config.inventoryUrl + "?zone=" + zone.id, "The zone's assets"));
      return box;
    }

    function openPanel(latlng, content) {
      if (!panelsOn) return;
      unhover();
      panel.setLatLng(latlng).setContent(content).openOn(map);
    }

    // Hover: the device under the pointer (found by the device layer), else the zone's name.
    let hovered = null, hoverZone = null, hoverQueued = null;
    function showHover(event) {
      const device = deviceLayer.hit(event.containerPoint);
      hovered = device;
      element.classList.toggle("map-over-device", !!device);
      if (device) {
        const d = device.data;
        tooltip.setLatLng([d.lat, d.lon]).setContent(device.kind === "light" ? lightLabel(d) : "<b>" + d.id + "</b> camera" + (d.online === false ? " · offline" : ""));
        map.openTooltip(tooltip);
      } else if (hoverZone) {
        tooltip.setLatLng(event.latlng).setContent(el("span", hoverZone.name));
        map.openTooltip(tooltip);
      } else unhover();
    }
    map.on("mousemove", function (event) {  // at most once a frame: a scan of every device
      if (hoverQueued) { hoverQueued = event; return; }
      hoverQueued = event;
      L.Util.requestAnimFrame(function () { const e = hoverQueued; hoverQueued = null; showHover(e); });
    });
    map.on("mouseout", function () { hovered = null; unhover(); });
    zoneLayer.on("mouseover", function (e) { hoverZone = e.layer.zone; }).on("mouseout", function () { hoverZone = null; if (!hovered) unhover(); });

    function draw(data) {
      const drawStarted = performance.now();
      zoneLayer.clearLayers();
      lights.clear(); cameras.clear(); zones.clear();
      // The view fits the city's zones; devices only when no zone has a boundary, so that one
      // asset with mistyped coordinates cannot zoom every map out to the whole world.
      const bounds = L.latLngBounds([]);
      const deviceBounds = L.latLngBounds([]);
      data.zones.forEach(function (zone) {
        if (!zone.boundary) return;
        const layer = L.geoJSON(zone.boundary, {
          renderer: renderer, style: zone.kind === "high_risk_site" ? ZONE_STYLE_HIGH_RISK : ZONE_STYLE,
        });
        layer.eachLayer(function (part) { part.zone = zone; part.addTo(zoneLayer); });
        zones.set(zone.id, { data: zone, layer: layer });
        bounds.extend(layer.getBounds());
      });
      const items = [];
      data.lights.forEach(function (light) {
        const entry = { data: light, kind: "light", style: lightStyle(light) };
        items.push(entry);
        lights.set(light.id, entry);
        deviceBounds.extend([light.lat, light.lon]);
      });
      data.cameras.forEach(function (camera) {
        const entry = { data: camera, kind: "camera", style: cameraStyle(camera) };
        items.push(entry);
        cameras.set(camera.id, entry);
        deviceBounds.extend([camera.lat, camera.lon]);
      });
      const view = bounds.isValid() ? bounds : deviceBounds;
      // The asset page: its asset ringed, labelled and centred (a sensor or a controller too,
      // which the map does not otherwise draw), from the page's own coordinates of it.
      const focus = options.focus && options.focus.lat !== null && options.focus.lat !== undefined ? options.focus : null;
      if (focusRing) overlayLayer.removeLayer(focusRing);
      focusRing = null;
      if (focus) {
        const at = [focus.lat, focus.lon];
        focusRing = L.circleMarker(at, { radius: 13, weight: 3, color: "#f5b301", fill: false, interactive: false, renderer: renderer })
          .bindTooltip("This asset: " + focus.id, { permanent: true, direction: "right", offset: [14, 0], className: "focus-label" })
          .addTo(overlayLayer);
        element.dataset.focus = focus.id;
        if (!options.keepView) map.setView(at, 18, { animate: false });
      } else if (!options.keepView && view.isValid()) map.fitBounds(view, { padding: [20, 20], maxZoom: 18, animate: false });
      deviceLayer.setItems(items);  // after the view is set: drawn once, for that view
      options.keepView = true;  // a reload after a reconnect keeps what the user is looking at
      element.dataset.drawMs = String(Math.round(performance.now() - drawStarted));  // for the benchmark
      element.dataset.lights = String(lights.size);
      element.dataset.truncated = data.truncated ? "1" : "";
      if (data.truncated && !truncatedNote) {
        truncatedNote = "Only the first " + (lights.size + cameras.size).toLocaleString("en-GB") + " devices are shown: filter by zone";
        map.attributionControl.addAttribution(truncatedNote);
      }
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
      entry.style = lightStyle(d);
      deviceLayer.restyle(entry);
      if (options.onLight) options.onLight(d);
      return true;
    }

    function updateDevice(status) {
      const entry = lights.get(status.device_id) || cameras.get(status.device_id);
      if (!entry) return;
      entry.data.online = status.online;
      entry.style = entry.kind === "light" ? lightStyle(entry.data) : cameraStyle(entry.data);
      deviceLayer.restyle(entry);
    }

    return {
      leaflet: map,
      renderer: renderer,
      devices: deviceLayer,
      ready: reload(),
      reload: reload,
      updateLight: updateLight,
      updateDevice: updateDevice,
      light: function (id) { const e = lights.get(id); return e ? Object.assign({}, e.data) : null; },
      lights: function () { return Array.from(lights.values()).map(function (e) { return e.data; }); },
      onClick: function (fn) { clickHandlers.push(fn); },
      showCircle: function (latlng, radius) {
        if (circle) overlayLayer.removeLayer(circle);
        circle = L.circle(latlng, { radius: radius, color: "#f5b301", weight: 2, fillOpacity: 0.12, interactive: false, renderer: renderer }).addTo(overlayLayer);
      },
      clearCircle: function () { if (circle) overlayLayer.removeLayer(circle); circle = null; },
      overlays: overlayLayer,
      panels: function (on) { panelsOn = on; if (!on) map.closePopup(); },
    };
  }

  window.CityMap = { create: create, levelColour: levelColour };
})();
