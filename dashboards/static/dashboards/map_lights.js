/* The map's devices (lights and cameras) on one canvas of their own, drawn in bulk.
 *
 *   const layer = CityMapPoints.layer({ pane: "devices" }).addTo(map);
 *   layer.setItems([{ data, style }]);   // style: {radius, fill, stroke, weight, dashed}
 *   layer.restyle(item);                 // after item.style changed (coalesced to one frame)
 *   layer.hit(containerPoint) -> item    // the topmost item under the pointer, or null
 *
 * Leaflet's circle markers cost an object, a projection and a hit-test entry each: 100,000 of
 * them take seconds to add and freeze a zoom for most of a second. Here the points are
 * projected once (at zoom 0, then scaled), drawn in one path per style with those outside the
 * view skipped, smaller and without outline when zoomed out; the canvas takes no pointer
 * events, so the zones under it keep theirs, and the map asks `hit` (a scan of plain numbers).
 * The canvas pans and zooms with the map as Leaflet's own canvas renderer does (it extends it).
 */
(function () {
  "use strict";

  const TAU = Math.PI * 2;

  const PointsLayer = L.Canvas.extend({
    options: { padding: 0.2 },

    initialize: function (options) {
      L.Canvas.prototype.initialize.call(this, options);
      this._items = [];
      this._xs = new Float64Array(0);
      this._ys = new Float64Array(0);
      this._frame = null;
    },

    _initContainer: function () {
      L.Canvas.prototype._initContainer.call(this);
      this._container.style.pointerEvents = "none";
    },

    onAdd: function () {
      L.Canvas.prototype.onAdd.call(this);
      this._project();
      this._drawAll();
    },

    setItems: function (items) {
      this._items = items;
      this._project();
      this._drawAll();
    },

    restyle: function () {
      const self = this;
      if (this._frame === null) this._frame = L.Util.requestAnimFrame(function () { self._frame = null; self._drawAll(); });
    },

    _project: function () {
      if (!this._map) return;
      const n = this._items.length, xs = new Float64Array(n), ys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = this._map.project([this._items[i].data.lat, this._items[i].data.lon], 0);
        xs[i] = p.x; ys[i] = p.y;
      }
      this._xs = xs; this._ys = ys;
    },

    _updatePaths: function () { this._drawAll(); },  // after each move or zoom (L.Canvas's 'update')
    _redraw: function () {},
    _draw: function () {},

    _radius: function (style, zoom) {
      if (zoom >= 16) return style.radius;
      if (zoom >= 15) return Math.max(3, style.radius - 1);
      return zoom >= 13 ? 2.5 : 1.5;
    },

    _drawAll: function () {
      const map = this._map, ctx = this._ctx;
      if (!map || !ctx || !this._bounds) return;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this._container.width, this._container.height);
      ctx.restore();
      const zoom = map.getZoom(), scale = map.options.crs.scale(zoom) / map.options.crs.scale(0);
      const origin = map.getPixelOrigin(), b = this._bounds;
      const groups = new Map();
      for (let i = 0; i < this._items.length; i++) {
        const x = this._xs[i] * scale - origin.x, y = this._ys[i] * scale - origin.y;
        if (x < b.min.x - 20 || y < b.min.y - 20 || x > b.max.x + 20 || y > b.max.y + 20) continue;
        const s = this._items[i].style;
        const key = s.key || (s.key = s.fill + "|" + s.stroke + "|" + s.weight + "|" + (s.dashed ? 1 : 0) + "|" + s.radius);
        let g = groups.get(key);
        if (!g) { g = { style: s, xs: [], ys: [] }; groups.set(key, g); }
        g.xs.push(x); g.ys.push(y);
      }
      // Lights before cameras (a camera's radius is larger): draw the larger ones last.
      Array.from(groups.values()).sort(function (a, b) { return a.style.radius - b.style.radius; }).forEach(function (g) {
        const r = this._radius(g.style, zoom), outline = r >= 3;
        ctx.beginPath();
        if (outline) {
          for (let k = 0; k < g.xs.length; k++) { ctx.moveTo(g.xs[k] + r, g.ys[k]); ctx.arc(g.xs[k], g.ys[k], r, 0, TAU); }
        } else {  // zoomed out: a dot of a few pixels, as a square (several times cheaper than an arc)
          for (let k = 0; k < g.xs.length; k++) ctx.rect(g.xs[k] - r, g.ys[k] - r, 2 * r, 2 * r);
        }
        ctx.globalAlpha = 0.95; ctx.fillStyle = g.style.fill; ctx.fill();
        if (outline) {
          ctx.globalAlpha = 1; ctx.lineWidth = g.style.weight; ctx.strokeStyle = g.style.stroke;
          ctx.setLineDash(g.style.dashed ? [3, 2] : []); ctx.stroke();
        }
      }, this);
      ctx.setLineDash([]); ctx.globalAlpha = 1;
    },

    hit: function (containerPoint) {
      const map = this._map;
      if (!map) return null;
      const p = map.containerPointToLayerPoint(containerPoint), zoom = map.getZoom();
      const scale = map.options.crs.scale(zoom) / map.options.crs.scale(0), origin = map.getPixelOrigin();
      let best = null, bestDistance = Infinity;
      for (let i = 0; i < this._items.length; i++) {
        const dx = this._xs[i] * scale - origin.x - p.x, dy = this._ys[i] * scale - origin.y - p.y;
        const d = dx * dx + dy * dy, r = this._radius(this._items[i].style, zoom) + 4;
        // The nearest within reach; a camera (larger, drawn on top) wins a tie.
        if (d <= r * r && (d < bestDistance || (d === bestDistance && this._items[i].style.radius >= best.style.radius))) {
          best = this._items[i]; bestDistance = d;
        }
      }
      return best;
    },
  });

  window.CityMapPoints = { layer: function (options) { return new PointsLayer(options); } };
})();
