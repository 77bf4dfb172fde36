/* The public report page's map (only with the council's tile server, MAP_TILE_URL): a click
 * puts a marker there and writes its latitude and longitude into the form's fields. */
(function () {
  "use strict";
  const element = document.getElementById("report-map");
  const configNode = document.getElementById("map-config");
  if (!element || !configNode || typeof L === "undefined") return;
  const config = JSON.parse(configNode.textContent);
  const form = document.getElementById("report-form");
  const lat = form.querySelector("input[name=lat]"), lon = form.querySelector("input[name=long]");
  const start = lat.value && lon.value ? [Number(lat.value), Number(lon.value)] : config.center;
  element.style.height = "320px";
  const map = L.map(element).setView(start, 17);
  L.tileLayer(config.tileUrl, { attribution: config.attribution || "", maxZoom: 20 }).addTo(map);
  let marker = lat.value && lon.value ? L.circleMarker(start, { radius: 8 }).addTo(map) : null;
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(event.latlng);
    else marker = L.circleMarker(event.latlng, { radius: 8 }).addTo(map);
  });
})();
