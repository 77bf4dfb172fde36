"""Hotspots and recommendations over the zone-hour analytics (reads).

The rules are the pure functions of `cctv.analytics.core.hotspots` and `.recommendations`;
this module gathers their inputs from `ZoneHour` rows (and the events of a hotspot's cameras).
The stored report and the draft programme are written by `cctv.analytics.reports`.
"""

from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from cctv.analytics.context import dim_level as default_dim_level
from cctv.analytics.core.exposure import hour_floor
from cctv.analytics.core.hotspots import Hotspot, Thresholds, ZoneTypeStats, hotspots_find
from cctv.analytics.core.recommendations import Recommendation, recommendation_for
from cctv.choices import EventStatus
from cctv.models import Event, ZoneHour
from cctv.selectors import event_counts_shown
from cityplatform.api import ApplicationError
from devices.selectors.registry import zones_list

HISTORY = timedelta(days=28)


def thresholds() -> Thresholds:
    return Thresholds(
        min_events=settings.CORRELATION_HOTSPOT_MIN_EVENTS,
        min_ratio=settings.CORRELATION_HOTSPOT_MIN_RATIO,
    )


def zones_by_pk() -> dict[int, dict[str, Any]]:
    """Zone pk → its name, kind, time zone and parent (what the reports name and group by)."""
    return {
        row["pk"]: row for row in zones_list().values("pk", "name", "kind", "time_zone", "parent")
    }


def _rows(start: datetime, end: datetime, zone_ids=None, hidden: frozenset[str] = frozenset()):
    """The zone-hour rows of [start, end), their counts without the `hidden` event types."""
    rows = ZoneHour.objects.filter(hour__gte=start, hour__lt=end)
    if zone_ids is not None:
        rows = rows.filter(zone_id__in=zone_ids)
    rows = rows.values(
        "zone_id",
        "hour",
        "events_dim",
        "events_lit",
        "events_boosted",
        "dark_fraction",
        "dark_dim_share",
        "dark_lit_share",
        "camera_uptime",
        "footfall",
        "mean_level",
        "dim_level",
    )
    for row in rows.iterator(chunk_size=5000):
        for side in ("events_dim", "events_lit", "events_boosted"):
            row[side] = event_counts_shown(row[side], hidden)
        yield row


def _exposure(row: dict) -> tuple[float, float]:
    """(dim hours, lit hours) of camera-watched dark time under scheduled lighting."""
    watched = row["dark_fraction"] * (row["camera_uptime"] or 0.0)
    return watched * (row["dark_dim_share"] or 0.0), watched * (row["dark_lit_share"] or 0.0)


def zone_type_stats(
    *,
    start: datetime,
    end: datetime,
    event_type: str | None = None,
    hidden_types: frozenset[str] = frozenset(),
) -> list[ZoneTypeStats]:
    """Every zone's numbers for each event type over [start, end), with its own history (the
    28 days before `start`); the `hidden_types` (what the caller may not see) left out."""
    zones = zones_by_pk()
    current: dict[int, dict] = defaultdict(
        lambda: {
            "dim": Counter(),
            "lit": Counter(),
            "boosted": Counter(),
            "dim_h": 0.0,
            "lit_h": 0.0,
            "foot": [],
        }
    )
    for row in _rows(start, end, hidden=hidden_types):
        z = current[row["zone_id"]]
        z["dim"].update(row["events_dim"])
        z["lit"].update(row["events_lit"])
        z["boosted"].update(row["events_boosted"])
        dim_h, lit_h = _exposure(row)
        z["dim_h"] += dim_h
        z["lit_h"] += lit_h
        if row["footfall"] is not None:
            z["foot"].append(row["footfall"])
    history: dict[int, dict] = defaultdict(lambda: {"dim": Counter(), "dim_h": 0.0})
    for row in _rows(start - HISTORY, start, hidden=hidden_types):
        h = history[row["zone_id"]]
        h["dim"].update(row["events_dim"])
        h["dim_h"] += _exposure(row)[0]
    types = {t for z in current.values() for side in ("dim", "lit", "boosted") for t in z[side]}
    if event_type:
        types &= {event_type}
    out = []
    for zone_id, z in sorted(current.items()):
        zone = zones.get(zone_id)
        if zone is None:
            continue
        for type_ in sorted(types):
            out.append(
                ZoneTypeStats(
                    zone_id=zone_id,
                    zone_name=zone["name"],
                    zone_kind=zone["kind"],
                    event_type=type_,
                    dim_events=z["dim"][type_],
                    lit_events=z["lit"][type_],
                    boosted_events=z["boosted"][type_],
                    dim_hours=z["dim_h"],
                    lit_hours=z["lit_h"],
                    footfall_per_hour=sum(z["foot"]) / len(z["foot"]) if z["foot"] else None,
                    history_dim_events=history[zone_id]["dim"][type_],
                    history_dim_hours=history[zone_id]["dim_h"],
                )
            )
    return out


def analytics_period(*, since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The whole UTC hours of a requested period; an empty one is a 400."""
    start, end = hour_floor(since), hour_floor(until)
    if end <= start:
        raise ApplicationError(
            "The period is empty.", extra={"fields": {"until": ["must be after since"]}}
        )
    return start, end


def _camera_counts(hotspot: Hotspot, start: datetime, end: datetime) -> list[dict]:
    """The hotspot zone's cameras and their events in dim, scheduled lighting."""
    dim = default_dim_level()
    rows = (
        Event.objects.filter(
            zone_id=hotspot.zone_id,
            type=hotspot.event_type,
            ts__gte=start,
            ts__lt=end,
            status=EventStatus.ACCEPTED,
            lighting_context__dark=True,
            lighting_context__boosted=0,
            lighting_context__unboosted_mean__lt=dim,
        )
        .values_list("device__device_id", flat=True)
        .order_by()
    )
    counts = Counter(rows)
    return [{"camera": c, "dim_events": n} for c, n in counts.most_common()]


def hotspots_list(
    *,
    since: datetime,
    until: datetime,
    zone_id: int | None = None,
    event_type: str | None = None,
    hidden_types: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Low-light hotspots of the period (all zones compared; `zone_id` filters the answer),
    without the event types the caller may not see (`hidden_types`)."""
    start, end = analytics_period(since=since, until=until)
    found = _hotspots_of(start, end, zone_id, event_type, hidden_types)
    return [{**asdict(h), "cameras": _camera_counts(h, start, end)} for h in found]


def _hotspots_of(start, end, zone_id, event_type, hidden_types) -> list[Hotspot]:
    """The period's hotspots (all zones compared, then `zone_id`'s kept), without the hidden
    event types: what both the hotspots and the recommendations start from."""
    stats = zone_type_stats(
        start=start, end=end, event_type=event_type or None, hidden_types=hidden_types
    )
    found = hotspots_find(stats, thresholds())
    return [h for h in found if zone_id is None or h.zone_id == zone_id]


def _by_local_hour(zone_id: int, event_type: str, start, end, tz_name: str):
    tz = ZoneInfo(tz_name)
    dim: Counter = Counter()
    levels: dict[int, list[float]] = defaultdict(list)
    for row in _rows(start, end, zone_ids=[zone_id]):
        local = row["hour"].astimezone(tz).hour
        dim[local] += row["events_dim"].get(event_type, 0)
        if row["mean_level"] is not None and row["dark_fraction"] > 0:
            levels[local].append(row["mean_level"])
    return dict(dim), {h: sum(v) / len(v) for h, v in levels.items()}


def recommendations_list(
    *,
    since: datetime,
    until: datetime,
    zone_id: int | None = None,
    event_type: str | None = None,
    hidden_types: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """One recommendation per hotspot, with its numbers and the draft endpoint's request
    (without the event types the caller may not see)."""
    start, end = analytics_period(since=since, until=until)
    zones = zones_by_pk()
    out = []
    for spot in _hotspots_of(start, end, zone_id, event_type, hidden_types):
        recommendation = hotspot_recommendation(hotspot=spot, start=start, end=end, zones=zones)
        if recommendation is not None:
            out.append(_render(recommendation, start, end))
    return out


def hotspot_recommendation(
    *, hotspot: Hotspot, start: datetime, end: datetime, zones: dict[int, dict[str, Any]]
) -> Recommendation | None:
    """The recommendation for one hotspot over [start, end), from its zone's hours in the
    zone's local time."""
    tz_name = zones[hotspot.zone_id]["time_zone"] or settings.TIME_ZONE
    dim_by_hour, level_by_hour = _by_local_hour(
        hotspot.zone_id, hotspot.event_type, start, end, tz_name
    )
    return recommendation_for(
        hotspot,
        dim_by_local_hour=dim_by_hour,
        level_by_local_hour=level_by_hour,
        dim_level=default_dim_level(),
    )


def _render(rec: Recommendation, start: datetime, end: datetime) -> dict[str, Any]:
    body = {
        "zone": rec.zone_id,
        "type": rec.event_type,
        "since": start.isoformat(),
        "until": end.isoformat(),
    }
    return {
        **asdict(rec),
        "period": {"since": start.isoformat(), "until": end.isoformat()},
        "draft": {
            "method": "POST",
            "url": "/api/v1/cctv/analytics/recommendations/draft/",
            "body": body,
        },
    }
