"""Geometry of the registry: GeoJSON boundaries, distances and point-in-zone lookups (WGS84).

Pure functions over shapely; no database. Distances use an equirectangular projection around
the points compared, which is exact to well under a metre at the radii the platform uses
(tens of metres) and a few metres at city scale.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180


class BoundaryError(ValueError):
    """A boundary that is not a usable GeoJSON Polygon or MultiPolygon."""


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise BoundaryError(f"{where}: a ring needs at least 4 positions (closed)")
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(c, int | float) and math.isfinite(c) for c in position[:2])
        ):
            raise BoundaryError(f"{where}: every position is [longitude, latitude]")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BoundaryError(f"{where}: position {position} is outside WGS84")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise BoundaryError(f"{where}: the ring is not closed (first and last positions differ)")


def boundary_shape(boundary: Any) -> Polygon | MultiPolygon:
    """The shapely geometry of a GeoJSON Polygon/MultiPolygon, or BoundaryError saying why not."""
    if not isinstance(boundary, dict):
        raise BoundaryError("the boundary must be a GeoJSON object")
    if boundary.get("type") == "Feature":
        boundary = boundary.get("geometry") or {}
    kind = boundary.get("type")
    coordinates = boundary.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryError("the boundary must be a GeoJSON Polygon or MultiPolygon")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError("the boundary has no coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise BoundaryError(f"polygon {p}: no rings")
        for r, ring in enumerate(rings):
            _check_ring(ring, f"polygon {p}, ring {r}")
    geometry = shape({"type": kind, "coordinates": coordinates})
    if not geometry.is_valid:
        raise BoundaryError(f"the boundary is not a valid polygon: {explain_validity(geometry)}")
    if geometry.area == 0:
        raise BoundaryError("the boundary encloses no area")
    return geometry


def area_m2(geometry: Polygon | MultiPolygon) -> float:
    """Approximate area in square metres (equirectangular at the geometry's latitude)."""
    lat = geometry.centroid.y
    return geometry.area * METRES_PER_DEGREE_LAT**2 * math.cos(math.radians(lat))


@dataclass(frozen=True)
class SiteBounds:
    """The box assets must lie in: the zones' extent with a margin (SITE_BOUNDS_MARGIN_M)."""

    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float

    @classmethod
    def around(
        cls, *, min_lat: float, max_lat: float, min_lon: float, max_lon: float, margin_m: float
    ) -> "SiteBounds":
        """The box widened by `margin_m` on every side (clamped to WGS84)."""
        d_lat = margin_m / METRES_PER_DEGREE_LAT
        widest = max(abs(min_lat), abs(max_lat)) + d_lat
        shrink = max(math.cos(math.radians(min(widest, 89))), 1e-6)  # metres of a degree of lon
        d_lon = margin_m / (METRES_PER_DEGREE_LAT * shrink)
        return cls(
            max(min_lat - d_lat, -90),
            min(max_lat + d_lat, 90),
            max(min_lon - d_lon, -180),
            min(max_lon + d_lon, 180),
        )

    def contains(self, latitude: float, longitude: float) -> bool:
        return (
            self.min_latitude <= latitude <= self.max_latitude
            and self.min_longitude <= longitude <= self.max_longitude
        )

    def problem(self, latitude: float, longitude: float) -> str | None:
        """Why a point cannot be an asset's (outside the bounds, with a hint when swapped)."""
        if self.contains(latitude, longitude):
            return None
        text = (
            f"({latitude}, {longitude}) lies outside the site's bounds: latitude "
            f"{self.min_latitude:.5f} to {self.max_latitude:.5f}, longitude "
            f"{self.min_longitude:.5f} to {self.max_longitude:.5f} (the zones with "
            "SITE_BOUNDS_MARGIN_M)"
        )
        if self.contains(longitude, latitude):
            text += "; latitude and longitude look swapped"
        return text


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two nearby WGS84 points."""
    mean_lat = math.radians((lat1 + lat2) / 2)
    dy = (lat2 - lat1) * METRES_PER_DEGREE_LAT
    dx = (lon2 - lon1) * METRES_PER_DEGREE_LAT * math.cos(mean_lat)
    return math.hypot(dx, dy)


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a square of half-side `radius_m` around a point."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Located:
    id: int
    latitude: float
    longitude: float


def pairs_within(
    cameras: Iterable[Located], lights: Iterable[Located], radius_m: float
) -> dict[tuple[int, int], float]:
    """(camera id, light id) → distance for every light within `radius_m` of a camera.

    A grid of cells about `radius_m` wide makes it linear in the number of points.
    """
    cell_lat = radius_m / METRES_PER_DEGREE_LAT
    grid: dict[tuple[int, int], list[Located]] = defaultdict(list)
    lights = list(lights)
    if not lights:
        return {}
    cos_lat = max(math.cos(math.radians(lights[0].latitude)), 1e-6)
    cell_lon = cell_lat / cos_lat
    for light in lights:
        grid[(int(light.latitude // cell_lat), int(light.longitude // cell_lon))].append(light)
    found: dict[tuple[int, int], float] = {}
    for camera in cameras:
        ci, cj = int(camera.latitude // cell_lat), int(camera.longitude // cell_lon)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for light in grid.get((ci + di, cj + dj), ()):
                    if light.id == camera.id:
                        continue
                    d = distance_m(
                        camera.latitude, camera.longitude, light.latitude, light.longitude
                    )
                    if d <= radius_m:
                        found[(camera.id, light.id)] = d
    return found


class ZoneIndex:
    """Point-in-zone lookups over many zones at once: the smallest containing zone wins.

    Built from (zone id, boundary) pairs; `locate_many` takes arrays of points and answers in
    one vectorised pass (an STR-tree of the boundaries), fast enough for 100,000 points.
    """

    def __init__(self, zones: Iterable[tuple[int, Any]]):
        self.ids: list[int] = []
        geometries = []
        for zone_id, boundary in zones:
            try:
                geometry = boundary_shape(boundary)
            except BoundaryError:
                continue
            self.ids.append(zone_id)
            geometries.append(geometry)
        self.geometries = geometries
        self.areas = [g.area for g in geometries]
        self.tree = shapely.STRtree(geometries) if geometries else None

    def locate_many(
        self, latitudes: Sequence[float], longitudes: Sequence[float]
    ) -> list[int | None]:
        result: list[int | None] = [None] * len(latitudes)
        if self.tree is None or not len(latitudes):
            return result
        points = shapely.points(list(longitudes), list(latitudes))
        point_index, zone_index = self.tree.query(points, predicate="intersects")
        best: dict[int, int] = {}
        for p, z in zip(point_index.tolist(), zone_index.tolist(), strict=True):
            current = best.get(p)
            if current is None or self.areas[z] < self.areas[current]:
                best[p] = z
        for p, z in best.items():
            result[p] = self.ids[z]
        return result

    def locate(self, latitude: float, longitude: float) -> int | None:
        return self.locate_many([latitude], [longitude])[0]
