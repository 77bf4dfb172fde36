/* The public camera register's map: Leaflet (the project's own copy), the council's tiles when
 * MAP_TILE_URL is set, else a plain background; one marker a camera, with its reference and
 * public purpose. Data from the page's own <script type="application/json" id="register-data">. */
(function () {
  "use strict";
  const element = document.getElementById("register-map");
  const source = document.getElementById("register-data");
  if (!element || !source || !window.L) return;
  const data = JSON.parse(source.textContent);
  const map = L.map(element, { zoomControl: true });
  map.attributionControl.setPrefix(false);
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.attribution || "", maxZoom: 20 }).addTo(map);
  } else {
    element.classList.add("map-plain");
  }
  const markers = L.featureGroup().addTo(map);
  data.cameras.forEach(function (camera) {
    const box = document.createElement("div");
    const title = document.createElement("b");
    title.textContent = camera[2];
    const text = document.createElement("p");
    text.textContent = camera[3];
    box.append(title, text);
    L.circleMarker([camera[0], camera[1]], { radius: 7, weight: 2, color: "#4aa3ff", fillColor: "#0f1720", fillOpacity: 1 })
      .bindPopup(box).addTo(markers);
  });
  if (data.cameras.length) map.fitBounds(markers.getBounds(), { padding: [30, 30], maxZoom: 17 });
  else map.setView(data.center, 14);
  element.dataset.cameras = String(data.cameras.length);
  element.dataset.ready = "1";
})();
