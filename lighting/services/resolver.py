"""The resolver: for any light and instant, its level and why.

One set of rules (`lighting.core`) serves the explanation of one light (the API and the pages)
and the bulk path of the reconcile: lights, zones, assignments, calendars, programmes and
overrides are loaded in a few queries, sun times are computed once per (calendar, night, time
zone, position rounded to 0.1°) rather than per light, and each light is then a few dictionary
look-ups.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from devices.selectors import lights as light_selectors
from devices.selectors.lights import LightRow, ZoneRow
from lighting.choices import ScopeKind
from lighting.core.arbitration import Arbitration, Limits, OverrideSpec, arbitrate
from lighting.core.schedule import Schedule, ScheduledLevel
from lighting.models import LightGroup, Override
from lighting.selectors import override_coverage
from lighting.services.config import CalendarSource, group_assignments, lighting_config
from lighting.visibility import (
    MaySee,
    override_details_visible,
    override_shown,
    see_nothing_restricted,
)

# --- Loading (the configuration: lighting.services.config) ----------------------------


def _group_calendars(
    light_ids: list[int] | None, assigned: dict[int, tuple[int, str]] | None = None
) -> dict[int, CalendarSource]:
    """Light → the calendar of its most specific assigned group (the smallest; then the oldest)."""
    assigned = group_assignments() if assigned is None else assigned
    if not assigned:
        return {}
    through = LightGroup.lights.through
    rows = through.objects.filter(lightgroup_id__in=assigned.keys())
    sizes = dict(
        rows.values("lightgroup_id").annotate(n=Count("pk")).values_list("lightgroup_id", "n")
    )
    if light_ids is not None:
        rows = rows.filter(asset_id__in=light_ids)
    best: dict[int, tuple[int, int]] = {}
    for asset_id, group_id in rows.values_list("asset_id", "lightgroup_id").iterator(20000):
        key = (sizes[group_id], group_id)
        if asset_id not in best or key < best[asset_id]:
            best[asset_id] = key
    return {
        pk: CalendarSource(assigned[g][0], "group", g, assigned[g][1])
        for pk, (_, g) in best.items()
    }


def overrides_active_at(at: datetime) -> list[Override]:
    """Overrides in force at `at` (an override cancelled or expired before `at` is not)."""
    return list(
        Override.objects.filter(starts_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
    )


def override_spec(override: Override) -> OverrideSpec:
    expires = override.expires_at
    if override.ended_at is not None and (expires is None or override.ended_at < expires):
        expires = override.ended_at
    return OverrideSpec(
        id=override.pk,
        level=override.level,
        operation=override.operation,
        priority=override.priority,
        starts_at=override.starts_at,
        expires_at=expires,
        reason=override.reason,
        author=override.author,
        alarm_id=override.alarm_id,
        details_permission=override.details_permission,
    )


def _group_members(group_ids: set[int], light_ids: list[int] | None) -> dict[int, set[int]]:
    if not group_ids:
        return {}
    rows = LightGroup.lights.through.objects.filter(lightgroup_id__in=group_ids)
    if light_ids is not None:
        rows = rows.filter(asset_id__in=light_ids)
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, asset_id in rows.values_list("lightgroup_id", "asset_id"):
        members[group_id].add(asset_id)
    return members


@dataclass
class Snapshot:
    """Everything the resolver needs for a set of lights at an instant."""

    at: datetime
    lights: list[LightRow]
    zones: dict[int, ZoneRow]
    schedule: Schedule
    zone_calendars: dict[int, CalendarSource]
    group_calendars: dict[int, CalendarSource]
    overrides: dict[int, OverrideSpec]
    overrides_by_light: dict[int, list[OverrideSpec]] = field(default_factory=dict)


def snapshot_load(*, at: datetime, light_ids: list[int] | None = None) -> Snapshot:
    lights = light_selectors.lights_for_control(pks=light_ids)
    config = lighting_config(lights=lights)  # zones, programmes, calendars: cached
    zones = config.zones
    ids = None if light_ids is None else [light.pk for light in lights]
    active = overrides_active_at(at)
    members_of_groups = _group_members(
        {o.group_id for o in active if o.scope_kind == ScopeKind.GROUP}, ids
    )
    by_light: dict[int, list[OverrideSpec]] = defaultdict(list)
    specs = {}
    for override in active:
        spec = specs[override.pk] = override_spec(override)
        coverage = override_coverage(
            override, zones=zones, group_members=members_of_groups.get(override.group_id, ())
        )
        for pk in coverage.members(lights):
            by_light[pk].append(spec)
    return Snapshot(
        at=at,
        lights=lights,
        zones=zones,
        schedule=config.schedule,
        zone_calendars=config.zone_calendars,
        group_calendars=_group_calendars(ids, config.group_assignments),
        overrides=specs,
        overrides_by_light=dict(by_light),
    )


# --- Resolving ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    level: float
    override_id: int | None
    programme_id: int | None


def resolve_snapshot(snapshot: Snapshot) -> dict[int, Resolved]:
    """Desired levels of every light of the snapshot (pk → Resolved)."""
    at = snapshot.at
    default_tz = settings.TIME_ZONE
    zones = snapshot.zones
    zone_cals = snapshot.zone_calendars
    group_cals = snapshot.group_calendars
    by_light = snapshot.overrides_by_light
    schedule = snapshot.schedule
    scheduled_cache: dict[tuple, ScheduledLevel] = {}
    out: dict[int, Resolved] = {}
    for light in snapshot.lights:
        zone = zones.get(light.zone_id) if light.zone_id is not None else None
        source = group_cals.get(light.pk) or (zone_cals.get(light.zone_id) if zone else None)
        calendar_id = source.calendar_id if source else None
        tz = zone.time_zone if zone else default_tz
        key = (calendar_id, tz, round(light.latitude, 1), round(light.longitude, 1))
        scheduled = scheduled_cache.get(key)
        if scheduled is None:
            scheduled = schedule.level_at(calendar_id, at, tz, light.latitude, light.longitude)
            scheduled_cache[key] = scheduled
        programme_id = scheduled.programme.id if scheduled.programme else None
        floor = zone.min_level if zone else 0.0
        overrides = by_light.get(light.pk)
        if overrides:
            result = arbitrate(
                scheduled.level, overrides, at, Limits(floor, light.lamp_min, light.lamp_max)
            )
            out[light.pk] = Resolved(
                result.level, result.winner.id if result.winner else None, programme_id
            )
            continue
        level = scheduled.level
        if level > 0:
            lowest = floor if floor > light.lamp_min else light.lamp_min
            if level < lowest:
                level = lowest
        if level > light.lamp_max:
            level = light.lamp_max
        out[light.pk] = Resolved(float(level), None, programme_id)
    return out


def levels_resolve(*, at: datetime | None = None, light_ids=None) -> dict[int, Resolved]:
    """The bulk form: desired levels for many lights (all controlled lights by default)."""
    at = at or timezone.now()
    return resolve_snapshot(snapshot_load(at=at, light_ids=light_ids))


@dataclass(frozen=True)
class Explanation:
    device_id: str
    at: datetime
    level: float
    text: str
    scheduled: ScheduledLevel
    arbitration: Arbitration
    calendar_source: CalendarSource | None
    zone_floor: float
    limits: Limits
    may_see: MaySee

    def as_dict(self) -> dict[str, Any]:
        s, a = self.scheduled, self.arbitration
        return {
            "device_id": self.device_id,
            "at": self.at,
            "level": self.level,
            "text": self.text,
            "decided_by": "override" if a.winner else "programme",
            "override": _override_dict(a.winner, self.may_see) if a.winner else None,
            "overrides_in_force": [_override_dict(o, self.may_see) for o in a.applied],
            "programme": {
                "id": s.programme.id if s.programme else None,
                "name": s.programme.name if s.programme else None,
                "level": s.level,
                "step": s.step.step.describe() if s.step else None,
                "step_at": s.step.at if s.step else None,
                "night": s.night,
                "rule": s.rule.describe() if s.rule else None,
                "explanation": s.describe(),
            },
            "calendar": {
                "id": self.calendar_source.calendar_id,
                "name": s.calendar.name if s.calendar else None,
                "assigned_to": self.calendar_source.via,
                "assigned_to_id": self.calendar_source.via_id,
                "assigned_to_name": self.calendar_source.via_name,
            }
            if self.calendar_source
            else None,
            "zone_floor": self.zone_floor,
            "lamp_min": self.limits.lamp_min,
            "lamp_max": self.limits.lamp_max,
            "clamped_by": a.clamped_by or None,
        }


def _override_dict(o: OverrideSpec, may_see: MaySee) -> dict[str, Any]:
    fields = {
        "id": o.id,
        "operation": o.operation,
        "level": o.level,
        "priority": o.priority,
        "expires_at": o.expires_at,
        "alarm_id": o.alarm_id,
        "author": o.author,
        "reason": o.reason,
    }
    return override_shown(fields, details_permission=o.details_permission, may_see=may_see)


def light_explain(
    *, light_id: int, at: datetime | None = None, may_see: MaySee = see_nothing_restricted
) -> Explanation | None:
    """Why a light is at its level at `at` (now by default), as a viewer who holds the
    permissions `may_see` accepts may see it (by default: none of the restricted details);
    None for an unknown light."""
    at = at or timezone.now()
    snapshot = snapshot_load(at=at, light_ids=[light_id])
    if not snapshot.lights:
        return None
    light = snapshot.lights[0]
    zone = snapshot.zones.get(light.zone_id) if light.zone_id is not None else None
    source = snapshot.group_calendars.get(light.pk) or (
        snapshot.zone_calendars.get(light.zone_id) if zone else None
    )
    tz = zone.time_zone if zone else settings.TIME_ZONE
    scheduled = snapshot.schedule.level_at(
        source.calendar_id if source else None, at, tz, light.latitude, light.longitude
    )
    floor = zone.min_level if zone else 0.0
    limits = Limits(floor, light.lamp_min, light.lamp_max)
    result = arbitrate(scheduled.level, snapshot.overrides_by_light.get(light.pk, []), at, limits)
    parts = []
    if result.winner:
        details = override_details_visible(result.winner.details_permission, may_see)
        parts.append(result.winner.describe(details=details, tz_name=settings.TIME_ZONE))
        parts.append(f"{_schedule_phrase(scheduled)} would give {scheduled.level:g} %")
    else:
        parts.append(scheduled.describe())
    if source:
        parts.append(f"calendar assigned to {source.via} '{source.via_name}'")
    if floor:
        parts.append(f"zone floor {floor:g} %")
    if result.clamped_by:
        parts.append(f"held at the {result.clamped_by}")
    text = f"{light.device_id} at {result.level:g} %: " + "; ".join(parts)
    return Explanation(
        device_id=light.device_id,
        at=at,
        level=result.level,
        text=text,
        scheduled=scheduled,
        arbitration=result,
        calendar_source=source,
        zone_floor=floor,
        limits=limits,
        may_see=may_see,
    )


def _schedule_phrase(scheduled: ScheduledLevel) -> str:
    if scheduled.programme is not None:
        return f"programme '{scheduled.programme.name}'"
    return "the schedule"
