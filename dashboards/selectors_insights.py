"""Reads behind the insights page: the correlation analytics (hotspots and recommendations from
`cctv.analytics.hotspots`, read as they are) and the hour-by-hour series the page's
charts draw, aggregated from the zone-hour rows the periodic analytics store (read through
`cctv.selectors`).

The series split each hour's events by the lighting they happened in, as the analytics did:
dim (dark, scheduled lighting under the dim level), lit (dark, scheduled lighting at or above
it), boost-lit (dark, under a security boost: kept apart so that boosts caused by incidents
never read as "light brings incidents"), and the rest (daylight).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cctv.analytics import hotspots as analytics_hotspots
from cctv.selectors import event_counts_shown, zone_hour_event_types, zone_hour_rows


@dataclass(frozen=True)
class InsightsQuery:
    since: datetime
    until: datetime
    zone_id: int | None = None
    event_type: str | None = None
    # The event types the viewer may not see (cctv.selectors.event_types_hidden_from): left
    # out of every count, list and chart.
    hidden_types: frozenset[str] = frozenset()


def _count(counts: dict[str, int], event_type: str | None, hidden: frozenset[str]) -> int:
    counts = event_counts_shown(counts, hidden)
    if event_type:
        return int(counts.get(event_type, 0))
    return int(sum(counts.values()))


def zone_hour_series(query: InsightsQuery) -> list[dict[str, Any]]:
    """One point per hour of the period (hours with no stored row are left out): events by
    lighting side, and the mean reported level (over the zone's lights, or over the city's
    lights weighted by how many each zone has)."""
    rows = zone_hour_rows(since=query.since, until=query.until, zone_id=query.zone_id)
    points: dict[datetime, dict[str, Any]] = {}
    hidden = query.hidden_types
    for row in rows:
        point = points.setdefault(
            row["hour"],
            {"dim": 0, "lit": 0, "boosted": 0, "all": 0, "_level": 0.0, "_lights": 0},
        )
        point["dim"] += _count(row["events_dim"], query.event_type, hidden)
        point["lit"] += _count(row["events_lit"], query.event_type, hidden)
        point["boosted"] += _count(row["events_boosted"], query.event_type, hidden)
        point["all"] += _count(row["events"], query.event_type, hidden)
        level, lights = row["mean_level"], row["lights"]
        if level is not None and lights:
            point["_level"] += level * lights
            point["_lights"] += lights
    out = []
    for hour, p in points.items():
        dark = p["dim"] + p["lit"] + p["boosted"]
        out.append(
            {
                "hour": hour.isoformat(),
                "dim": p["dim"],
                "lit": p["lit"],
                "boosted": p["boosted"],
                "other": max(0, p["all"] - dark),
                "mean_level": round(p["_level"] / p["_lights"], 1) if p["_lights"] else None,
            }
        )
    return out


def event_types(query: InsightsQuery) -> list[str]:
    """The event types counted in the period, anywhere in the city (for the type filter)."""
    found = zone_hour_event_types(since=query.since, until=query.until)
    return sorted(found - query.hidden_types)


def hotspots(query: InsightsQuery) -> list[dict[str, Any]]:
    return analytics_hotspots.hotspots_list(
        since=query.since,
        until=query.until,
        zone_id=query.zone_id,
        event_type=query.event_type,
        hidden_types=query.hidden_types,
    )


def recommendations(query: InsightsQuery) -> list[dict[str, Any]]:
    return analytics_hotspots.recommendations_list(
        since=query.since,
        until=query.until,
        zone_id=query.zone_id,
        event_type=query.event_type,
        hidden_types=query.hidden_types,
    )
