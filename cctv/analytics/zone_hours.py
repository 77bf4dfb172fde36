"""Periodic analytics: one row per zone and hour (`ZoneHour`), recomputed whole.

`zone_hours_compute(start=…, end=…)` deletes the period's rows and writes them again in one
transaction, from the level-change log (reported levels, time-weighted), the `max` overrides
in force (boosts), the sun (dusk to dawn at the zone's lights), the cameras' offline faults,
footfall sensors' counts and the events' stored lighting contexts. Re-running a period gives
the same rows (only `computed_at` moves). Any past period can be recomputed.
"""

import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cctv.analytics.context import dim_level as default_dim_level
from cctv.analytics.core.exposure import (
    HOUR,
    HourShares,
    LightTimeline,
    dark_intervals,
    event_side,
    hour_floor,
    interval_overlap,
    light_shares,
)
from cctv.analytics.footfall import footfall_by_zone_hour
from cctv.choices import EventStatus
from cctv.models import Event, ZoneHour
from cityplatform.api import ApplicationError
from devices.choices import AssetKind
from devices.selectors import lights as light_selectors
from devices.selectors.cameras import camera_offline_spells, cameras_by_zone
from lighting.choices import Operation, ScopeKind
from lighting.selectors import override_covers, override_end, overrides_in_force_between

log = logging.getLogger(__name__)

MAX_PERIOD = timedelta(days=31)


def _check_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = hour_floor(start), hour_floor(end)
    if end <= start:
        raise ApplicationError(
            "The period is empty.", extra={"fields": {"until": ["must be after since"]}}
        )
    if end - start > MAX_PERIOD:
        raise ApplicationError(
            "At most 31 days at a time.", extra={"fields": {"until": ["period too long"]}}
        )
    return start, end


def _boosts_by_light(lights, start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """light pk → [(from, to)] of the `max` overrides in force on it within [start, end)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    known = {light.pk for light in lights}
    for override in overrides_in_force_between(start=start, end=end, operation=Operation.MAX):
        a = max(override.starts_at, start)
        b = min(override_end(override) or end, end)
        if b <= a:
            continue
        if override.scope_kind == ScopeKind.LIGHTS:  # the usual alarm boost: no scan of every light
            members = known.intersection(override.light_ids)
        else:
            members = override_covers(override, lights)
        for pk in members:
            found[pk].append((a, b))
    return found


def _timelines(lights, start: datetime, end: datetime) -> dict[int, LightTimeline]:
    timelines = {light.pk: LightTimeline() for light in lights}
    for pk, at, level in light_selectors.level_changes(pks=None, start=start, end=end):
        if pk in timelines:
            timelines[pk].changes.append((at, level))
    return timelines


def _zone_positions(lights, cameras: dict[int, list[tuple]]) -> dict[int, tuple[float, float]]:
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for light in lights:
        if light.zone_id is not None:
            s = sums[light.zone_id]
            s[0] += light.latitude
            s[1] += light.longitude
            s[2] += 1
    for zone_id, rows in cameras.items():
        if zone_id not in sums:
            for _, lat, lon in rows:
                s = sums[zone_id]
                s[0] += lat
                s[1] += lon
                s[2] += 1
    return {zone_id: (s[0] / s[2], s[1] / s[2]) for zone_id, s in sums.items()}


def _event_rows(start: datetime, end: datetime):
    return (
        Event.objects.filter(
            ts__gte=start,
            ts__lt=end,
            status=EventStatus.ACCEPTED,
            zone__isnull=False,
            device__kind=AssetKind.CAMERA,
        )
        .values_list(
            "zone_id",
            "ts",
            "type",
            "lighting_context__dark",
            "lighting_context__boosted",
            "lighting_context__unboosted_mean",
        )
        .iterator(chunk_size=5000)
    )


def zone_hours_compute(
    *, start: datetime, end: datetime, dim_level: float | None = None, now: datetime | None = None
) -> int:
    """Recomputes the zone-hour rows of [start, end) (whole hours, UTC); returns how many."""
    start, end = _check_period(start, end)
    now = now or timezone.now()
    dim = default_dim_level() if dim_level is None else float(dim_level)
    hours = int((end - start) / HOUR)

    lights = light_selectors.lights_for_control()
    cameras = cameras_by_zone()
    positions = _zone_positions(lights, cameras)
    zone_ids = set(positions)
    timelines = _timelines(lights, start, end)
    for pk, intervals in _boosts_by_light(lights, start, end).items():
        if pk in timelines:
            timelines[pk].boosts = intervals

    dark = {
        zone_id: dark_intervals(latitude=lat, longitude=lon, start=start, end=end)
        for zone_id, (lat, lon) in positions.items()
    }
    shares: dict[int, list[HourShares]] = {
        zone_id: [HourShares() for _ in range(hours)] for zone_id in zone_ids
    }
    light_counts: Counter = Counter()
    for light in lights:
        if light.zone_id is None:
            continue
        light_counts[light.zone_id] += 1
        light_shares(
            timeline=timelines[light.pk],
            start=start,
            end=end,
            dark=dark[light.zone_id],
            dim_level=dim,
            into=shares[light.zone_id],
        )

    camera_ids = [pk for rows in cameras.values() for pk, _, _ in rows]
    offline = camera_offline_spells(camera_ids=camera_ids, start=start, end=end)
    footfall = footfall_by_zone_hour(start=start, end=end)

    counts: dict[tuple[int, int], dict[str, Counter]] = defaultdict(
        lambda: {"all": Counter(), "dim": Counter(), "lit": Counter(), "boosted": Counter()}
    )
    for zone_id, ts, type_, dark_, boosted, mean in _event_rows(start, end):
        key = (zone_id, int((ts - start) / HOUR))
        zone_ids.add(zone_id)
        counts[key]["all"][type_] += 1
        side = event_side(dark=dark_, boosted=boosted, mean=mean, dim_level=dim)
        if side in ("dim", "lit", "boosted"):
            counts[key][side][type_] += 1

    rows = []
    for zone_id in sorted(zone_ids):
        zone_cameras = [pk for pk, _, _ in cameras.get(zone_id, [])]
        zone_dark = dark.get(zone_id, [])
        for index in range(hours):
            hour = start + index * HOUR
            s = shares[zone_id][index] if zone_id in shares else HourShares()
            c = counts.get((zone_id, index))
            dark_total = s.dark_dim + s.dark_lit + s.dark_boosted
            uptime = None
            if zone_cameras:
                down = sum(
                    interval_overlap(offline.get(pk, []), hour, hour + HOUR) for pk in zone_cameras
                )
                uptime = round(1 - down / (len(zone_cameras) * 3600), 4)
            rows.append(
                ZoneHour(
                    zone_id=zone_id,
                    hour=hour,
                    events=dict(sorted(c["all"].items())) if c else {},
                    events_dim=dict(sorted(c["dim"].items())) if c else {},
                    events_lit=dict(sorted(c["lit"].items())) if c else {},
                    events_boosted=dict(sorted(c["boosted"].items())) if c else {},
                    lights=light_counts[zone_id],
                    cameras=len(zone_cameras),
                    mean_level=round(s.level_seconds / s.known, 3) if s.known else None,
                    boost_share=round(s.boosted / s.total, 4) if s.total else None,
                    dark_fraction=round(interval_overlap(zone_dark, hour, hour + HOUR) / 3600, 4),
                    dark_dim_share=round(s.dark_dim / dark_total, 4) if dark_total else None,
                    dark_lit_share=round(s.dark_lit / dark_total, 4) if dark_total else None,
                    dark_boost_share=round(s.dark_boosted / dark_total, 4) if dark_total else None,
                    camera_uptime=uptime,
                    footfall=footfall.get((zone_id, hour)),
                    dim_level=dim,
                    computed_at=now,
                )
            )
    with transaction.atomic():
        ZoneHour.objects.filter(hour__gte=start, hour__lt=end).delete()
        ZoneHour.objects.bulk_create(rows, batch_size=2000)
    log.info("zone-hour analytics %s – %s: %d rows", start, end, len(rows))
    return len(rows)


def zone_hours_recent(*, now: datetime | None = None, hours: int | None = None) -> int:
    """The beat's run: the last complete hours (a few, so a late event or level change is
    picked up by the next run)."""
    now = now or timezone.now()
    hours = hours or settings.CORRELATION_RECENT_HOURS
    end = hour_floor(now)
    return zone_hours_compute(start=end - hours * HOUR, end=end)
