"""The lighting configuration the resolver reads on every reconcile, cached per process.

Zones (floors, time zones, nesting), programmes, calendars with their rules, and calendar
assignments change when people edit them, and are read by every reconcile: by the alert path
(an alarm's boost, then its expiry, five lights each) many times a second. They are kept in a
`ConfigCache`, dropped on any change through the ORM and checked against the shared generation
before each use (see cityplatform/config_cache.py). Lights in a zone the cache does not know
(zones written in bulk, without signals) make it load again.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from cityplatform.config_cache import ConfigCache
from devices.models import Zone
from devices.selectors import lights as light_selectors
from devices.selectors.lights import LightRow, ZoneRow
from lighting.core.schedule import Schedule
from lighting.models import Calendar, CalendarAssignment, CalendarRule, LightGroup, Programme


@dataclass(frozen=True)
class LightingConfig:
    zones: dict[int, ZoneRow]
    schedule: Schedule
    zone_calendars: dict  # zone pk → CalendarSource
    group_assignments: dict[int, tuple[int, str]]  # group pk → (calendar pk, group name)


_cache = ConfigCache(
    "lighting.config",
    watch=[
        Zone,
        Programme,
        Calendar,
        CalendarRule,
        CalendarAssignment,
        LightGroup,
        LightGroup.lights.through,
    ],
)


def _load() -> LightingConfig:
    from lighting.services.resolver import _zone_calendars, group_assignments, schedule_load

    zones = light_selectors.zones_all()
    return LightingConfig(
        zones=zones,
        schedule=schedule_load(),
        zone_calendars=_zone_calendars(zones),
        group_assignments=group_assignments(),
    )


def lighting_config(*, lights: Iterable[LightRow] = ()) -> LightingConfig:
    """The cached configuration (read-only), loaded again when it changed or when one of
    `lights` is in a zone it does not know."""
    config = _cache.get(_load)
    if any(light.zone_id is not None and light.zone_id not in config.zones for light in lights):
        _cache.clear()
        config = _cache.get(_load)
    return config
