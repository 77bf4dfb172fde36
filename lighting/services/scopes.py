"""An override's scope as a caller gives it (`OverrideScope`), checked against what exists, and
the lights it covers read from the database (`override_lights`).

What a scope covers is decided in one place, `lighting.core.scope`, through
`lighting.selectors.override_coverage`: here the database only narrows (listed lights, the
zone's lights, the circle's box) and the coverage decides.
"""

from dataclasses import dataclass

from cityplatform.api import ApplicationError
from devices.models import Zone
from devices.selectors import lights as light_selectors
from lighting.choices import ScopeKind
from lighting.models import LightGroup, Override
from lighting.selectors import override_coverage


@dataclass(frozen=True)
class OverrideScope:
    """Exactly one of: listed lights (asset pks), a group, a zone (and the zones within it), a
    radius around a point, or the whole city."""

    light_ids: tuple[int, ...] | None = None
    group_id: int | None = None
    zone_id: int | None = None
    point: tuple[float, float] | None = None  # (latitude, longitude)
    radius_m: float | None = None
    city: bool = False

    def __post_init__(self):
        given = [
            self.light_ids is not None,
            self.group_id is not None,
            self.zone_id is not None,
            self.point is not None or self.radius_m is not None,
            self.city,
        ]
        if sum(given) != 1:
            raise ApplicationError(
                "An override's scope is exactly one of: lights, a group, a zone, a radius "
                "around a point, or the whole city.",
                extra={"fields": {"scope": ["exactly one kind of scope"]}},
            )
        if (self.point is None) != (self.radius_m is None):
            raise ApplicationError(
                "A radius scope needs both a point and a radius.",
                extra={"fields": {"scope": ["point and radius_m go together"]}},
            )

    @property
    def kind(self) -> str:
        if self.light_ids is not None:
            return ScopeKind.LIGHTS
        if self.group_id is not None:
            return ScopeKind.GROUP
        if self.zone_id is not None:
            return ScopeKind.ZONE
        if self.point is not None:
            return ScopeKind.RADIUS
        return ScopeKind.CITY


def override_lights(override: Override) -> list[int]:
    """The controlled lights an override covers now (scopes are resolved when used, so a light
    added to a zone or group is covered)."""
    coverage = override_coverage(override)
    if coverage.everything:
        return light_selectors.light_ids_all()
    if coverage.light_ids is not None:
        return light_selectors.light_ids_existing(coverage.light_ids)
    if coverage.zone_ids is not None:
        return light_selectors.light_ids_in_zones(coverage.zone_ids)
    box = coverage.box
    candidates = light_selectors.lights_for_control(
        box=(box.min_latitude, box.max_latitude, box.min_longitude, box.max_longitude)
    )
    return sorted(coverage.members(candidates))


def scope_lights(scope: OverrideScope) -> list[int]:
    """The controlled lights `scope` covers now, as an override of it would (what the console
    says before a brighten is confirmed, and what `override_create` refuses when empty)."""
    listed = scope_check_exists(scope)
    if listed is not None:
        return listed
    return override_lights(
        Override(
            scope_kind=scope.kind,
            group_id=scope.group_id,
            zone_id=scope.zone_id,
            latitude=scope.point[0] if scope.point else None,
            longitude=scope.point[1] if scope.point else None,
            radius_m=scope.radius_m,
        )
    )


def scope_check_exists(scope: OverrideScope) -> list[int] | None:
    """Refuses a scope naming what does not exist; for a list of lights, returns them (the
    controlled ones, as `override_lights` would)."""
    if scope.zone_id is not None and not Zone.objects.filter(pk=scope.zone_id).exists():
        raise ApplicationError("No such zone.", extra={"fields": {"zone_id": ["unknown zone"]}})
    if scope.group_id is not None and not LightGroup.objects.filter(pk=scope.group_id).exists():
        raise ApplicationError(
            "No such light group.", extra={"fields": {"group_id": ["unknown group"]}}
        )
    if scope.light_ids is not None:
        if not scope.light_ids:
            raise ApplicationError(
                "List at least one light.", extra={"fields": {"light_ids": ["empty"]}}
            )
        existing = light_selectors.light_ids_existing(scope.light_ids)
        missing = set(scope.light_ids) - set(existing)
        if missing:
            raise ApplicationError(
                "Some of the lights are not controlled streetlights.",
                extra={"fields": {"light_ids": sorted(missing)}},
            )
        return existing
    if scope.point is not None:
        lat, lon = scope.point
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or scope.radius_m <= 0:
            raise ApplicationError(
                "The point or the radius is out of range.",
                extra={"fields": {"point": ["latitude, longitude and a positive radius"]}},
            )
    return None
