"""What an override's scope covers: the one rule, for every reader.

Three readers ask the question: the override services (which lights to command when an override
starts or ends, read from the database), the resolver (which of the lights it is resolving each
override in force applies to, in memory) and cctv's analytics (which of a camera's lights a
boost covered). They used to answer it three times and could disagree at a radius's edge; now
each turns the scope into a `Coverage` here and asks it.

- listed lights: those lights;
- a group: its members;
- a zone: the lights of the zone and of every zone within it;
- a radius: the lights whose great-circle distance (haversine) from the point is at most the
  radius, edge included; a database reader narrows by `Coverage.box`, which holds the whole
  circle, and lets `Coverage.members` decide;
- the city: every light.

The caller resolves the zone's descendants and the group's members (they are rows), and only
ever passes lights under control.
"""

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from lighting.choices import ScopeKind

EARTH_RADIUS_M = 6_371_000.0  # the sphere of devices.selectors.lights.distance_m


class Placed(Protocol):
    """A light as the rule needs it (devices' `LightRow` is one)."""

    @property
    def pk(self) -> int: ...
    @property
    def zone_id(self) -> int | None: ...
    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...


class Scoped(Protocol):
    """An override's scope fields (the `Override` row is one)."""

    scope_kind: str
    light_ids: list[int]
    group_id: int | None
    zone_id: int | None
    latitude: float | None
    longitude: float | None
    radius_m: float | None


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude box, bounds included."""

    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float


@dataclass(frozen=True, slots=True)
class Circle:
    latitude: float
    longitude: float
    radius_m: float

    def box(self) -> Box:
        """A box holding the whole circle (larger where it must be: near a pole, across the
        antimeridian), so that narrowing by it never loses a light the circle covers."""
        dlat = math.degrees(self.radius_m / EARTH_RADIUS_M) * (1 + 1e-9) + 1e-9
        lat = self.latitude
        if abs(lat) + dlat >= 90:  # the circle reaches a pole: every longitude
            return Box(max(lat - dlat, -90.0), min(lat + dlat, 90.0), -180.0, 180.0)
        ratio = math.sin(math.radians(dlat)) / math.cos(math.radians(lat))
        dlon = math.degrees(math.asin(min(ratio, 1.0))) * (1 + 1e-9) + 1e-9
        west, east = self.longitude - dlon, self.longitude + dlon
        if west < -180 or east > 180:  # across the antimeridian: every longitude
            west, east = -180.0, 180.0
        return Box(lat - dlat, lat + dlat, west, east)

    def holds(self, latitude: float, longitude: float) -> bool:
        return distance_m(self.latitude, self.longitude, latitude, longitude) <= self.radius_m


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), as devices measures it."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a scope covers, as one of: every light, a set of light pks, a set of zone pks, or
    a circle. Build it with `scope_coverage`."""

    everything: bool = False
    light_ids: frozenset[int] | None = None
    zone_ids: frozenset[int] | None = None
    circle: Circle | None = None

    @property
    def box(self) -> Box | None:
        """For a circle, the box a database reader narrows by before `members` decides."""
        return self.circle.box() if self.circle is not None else None

    def members(self, lights: Iterable[Placed]) -> set[int]:
        """The pks of those of `lights` the scope covers."""
        if self.everything:
            return {light.pk for light in lights}
        if self.light_ids is not None:
            wanted = self.light_ids
            return {light.pk for light in lights if light.pk in wanted}
        if self.zone_ids is not None:
            within = self.zone_ids
            return {light.pk for light in lights if light.zone_id in within}
        circle, box = self.circle, self.circle.box()
        lat0, lon0, radius = circle.latitude, circle.longitude, circle.radius_m
        return {
            light.pk
            for light in lights
            # the box first (it holds the circle, so it only saves time), then the circle
            if box.min_latitude <= light.latitude <= box.max_latitude
            and box.min_longitude <= light.longitude <= box.max_longitude
            and distance_m(lat0, lon0, light.latitude, light.longitude) <= radius
        }


def scope_coverage(
    scope: Scoped,
    *,
    zone_descendants: Collection[int] = (),
    group_members: Collection[int] = (),
) -> Coverage:
    """The coverage of an override's scope. For a zone scope, `zone_descendants` is the zone
    and every zone within it; for a group scope, `group_members` the group's light pks."""
    kind = scope.scope_kind
    if kind == ScopeKind.LIGHTS:
        return Coverage(light_ids=frozenset(scope.light_ids))
    if kind == ScopeKind.GROUP:
        return Coverage(light_ids=frozenset(group_members))
    if kind == ScopeKind.ZONE:
        return Coverage(zone_ids=frozenset(zone_descendants))
    if kind == ScopeKind.RADIUS:
        return Coverage(circle=Circle(scope.latitude, scope.longitude, scope.radius_m))
    return Coverage(everything=True)
