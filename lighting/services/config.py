"""The lighting configuration the resolver reads on every reconcile, loaded here and cached per
process.

Zones (floors, time zones, nesting), programmes, calendars with their rules, and calendar
assignments change when people edit them, and are read by every reconcile: by the alert path
(an alarm's boost, then its expiry, five lights each) many times a second. They are kept in a
`ConfigCache`, dropped on any change through the ORM and checked against the shared generation
before each use (see cityplatform/config_cache.py). Lights in a zone the cache does not know
(zones written in bulk, without signals) make it load again.

The loaders live here, below the resolver (`lighting.services.resolver` imports this module,
never the other way round).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from cityplatform.config_cache import ConfigCache
from devices.models import Zone
from devices.selectors import lights as light_selectors
from devices.selectors.lights import LightRow, ZoneRow
from lighting.core.schedule import (
    CalendarSpec,
    ProgrammeSpec,
    Schedule,
    parse_steps,
    rule_from_fields,
)
from lighting.models import Calendar, CalendarAssignment, CalendarRule, LightGroup, Programme


def schedule_load() -> Schedule:
    """Every calendar (with its rules) and programme, typed, in three queries."""
    programmes = {
        p.pk: ProgrammeSpec(p.pk, p.name, parse_steps(p.steps)) for p in Programme.objects.all()
    }
    calendars = {}
    for calendar in Calendar.objects.prefetch_related("rules"):
        rules = tuple(
            rule_from_fields(
                kind=r.kind,
                date_from=r.date_from,
                date_to=r.date_to,
                weekdays=r.weekdays,
                nth=r.nth,
                months=r.months,
                programme_id=r.programme_id,
                label=r.label,
            )
            for r in sorted(calendar.rules.all(), key=lambda r: r.position)
        )
        calendars[calendar.pk] = CalendarSpec(
            calendar.pk, calendar.name, rules, calendar.default_programme_id
        )
    return Schedule(calendars, programmes)


@dataclass(frozen=True)
class CalendarSource:
    calendar_id: int
    via: str  # "group" or "zone"
    via_id: int
    via_name: str


def zone_calendars(zones: dict[int, ZoneRow]) -> dict[int, CalendarSource]:
    """Zone → the calendar its lights follow: its own assignment, else its nearest ancestor's."""
    own = dict(
        CalendarAssignment.objects.filter(zone__isnull=False).values_list("zone_id", "calendar_id")
    )
    result: dict[int, CalendarSource] = {}
    for zone_id in zones:
        current, seen = zone_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            if current in own:
                result[zone_id] = CalendarSource(own[current], "zone", current, zones[current].name)
                break
            current = zones[current].parent_id if current in zones else None
    return result


def group_assignments() -> dict[int, tuple[int, str]]:
    """Group → (calendar, group name) of every group with a calendar assigned."""
    return {
        a.group_id: (a.calendar_id, a.group.name)
        for a in CalendarAssignment.objects.filter(group__isnull=False).select_related("group")
    }


@dataclass(frozen=True)
class LightingConfig:
    zones: dict[int, ZoneRow]
    schedule: Schedule
    zone_calendars: dict[int, CalendarSource]
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
    zones = light_selectors.zones_all()
    return LightingConfig(
        zones=zones,
        schedule=schedule_load(),
        zone_calendars=zone_calendars(zones),
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
