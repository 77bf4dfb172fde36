"""CAP areas as shapely geometry (lon, lat, as the zones' GeoJSON boundaries) and the zones
they meet. Pure: the zones come in as (pk, shape) pairs."""

import math
from collections.abc import Iterable

from shapely import affinity
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from devices.geo import METRES_PER_DEGREE_LAT
from emergency.cap.parse import Area


def circle_shape(lat: float, lon: float, radius_km: float) -> BaseGeometry:
    """A circle of `radius_km` around the point, in degrees (an ellipse: a degree of longitude
    is shorter than one of latitude away from the equator)."""
    radius_deg = radius_km * 1000 / METRES_PER_DEGREE_LAT
    if radius_deg == 0:
        return Point(lon, lat)
    circle = Point(lon, lat).buffer(radius_deg, 32)
    return affinity.scale(circle, xfact=1 / max(math.cos(math.radians(lat)), 1e-6), yfact=1)


def area_shape(area: Area) -> BaseGeometry | None:
    """The union of the area's polygons and circles; None when it has neither."""
    parts: list[BaseGeometry] = [
        Polygon([(lon, lat) for lat, lon in ring]).buffer(0) for ring in area.polygons
    ]
    parts += [circle_shape(*circle) for circle in area.circles]
    return unary_union(parts) if parts else None


def zones_met(areas: Iterable[Area], zones: Iterable[tuple[int, BaseGeometry]]) -> list[int]:
    """The pks of the zones any area's shape intersects (touching at an edge is not meeting)."""
    shapes = [s for s in (area_shape(a) for a in areas) if s is not None and not s.is_empty]
    if not shapes:
        return []
    shape = unary_union(shapes)
    return [pk for pk, zone in zones if shape.intersects(zone) and not shape.touches(zone)]
