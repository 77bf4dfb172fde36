"""Exposure, as pure functions: darkness intervals, time-weighted light shares per hour, the
side an event falls on by its lighting context. No database; table-testable. The hotspot rules
are in `cctv.analytics.core.hotspots`, the recommendations in `.recommendations`."""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from astral import Observer
from astral.sun import dawn, dusk, elevation

CIVIL_DEPRESSION = 6.0
HOUR = timedelta(hours=1)


def hour_floor(t: datetime) -> datetime:
    """The UTC hour `t` falls in: zone-hour rows and analytics periods are whole UTC hours."""
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def dark_intervals(
    *, latitude: float, longitude: float, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) between civil dusk and dawn at that place (UTC instants).
    Where the sun does not reach −6° (polar day or night, high-latitude summer), each hour is
    dark or not by the sun's elevation at its middle."""
    observer = Observer(latitude=latitude, longitude=longitude)
    found: list[tuple[datetime, datetime]] = []
    day = (start - timedelta(days=1)).date()
    while day <= end.date():
        try:
            evening = dusk(observer, day)
            morning = dawn(observer, day + timedelta(days=1))
        except ValueError:
            found.extend(_dark_by_elevation(observer, day))
        else:
            found.append((evening, morning))
        day += timedelta(days=1)
    clipped = [(max(a, start), min(b, end)) for a, b in found if b > start and a < end]
    return _merge([(a, b) for a, b in clipped if b > a])


def _dark_by_elevation(observer: Observer, day: date) -> list[tuple[datetime, datetime]]:
    # from this day's noon (UTC) to the next day's: 24 hours judged at their middles
    t = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    out = []
    for _ in range(24):
        if elevation(observer, t + HOUR / 2) < -CIVIL_DEPRESSION:
            out.append((t, t + HOUR))
        t += HOUR
    return out


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _covered(intervals: Sequence[tuple[datetime, datetime]], t: datetime) -> bool:
    return any(a <= t < b for a, b in intervals)


@dataclass
class HourShares:
    """Light-time (seconds) of one zone's lights in one hour."""

    total: float = 0.0  # light-seconds
    known: float = 0.0  # of which the reported level was known
    level_seconds: float = 0.0  # Σ level × seconds (known only)
    boosted: float = 0.0
    dark_known: float = 0.0
    dark_dim: float = 0.0  # dark, unboosted, level < dim
    dark_lit: float = 0.0  # dark, unboosted, level ≥ dim
    dark_boosted: float = 0.0  # dark, boosted (known level or not)


@dataclass
class LightTimeline:
    """One light's reported levels (instant, level), ascending, the first at or before the
    period's start when known; its boost intervals."""

    changes: list[tuple[datetime, float]] = field(default_factory=list)
    boosts: list[tuple[datetime, datetime]] = field(default_factory=list)


def light_shares(
    *,
    timeline: LightTimeline,
    start: datetime,
    end: datetime,
    dark: Sequence[tuple[datetime, datetime]],
    dim_level: float,
    into: list[HourShares],
) -> None:
    """Adds one light's time in [start, end) to the per-hour shares `into` (one per hour)."""
    points = {start, end}
    hour = start + HOUR
    while hour < end:
        points.add(hour)
        hour += HOUR
    points.update(at for at, _ in timeline.changes if start < at < end)
    for a, b in (*timeline.boosts, *dark):
        if start < a < end:
            points.add(a)
        if start < b < end:
            points.add(b)
    ordered = sorted(points)
    change_times = [at for at, _ in timeline.changes]
    boosts = _merge(timeline.boosts)
    for a, b in pairwise(ordered):
        seconds = (b - a).total_seconds()
        index = int((a - start) / HOUR)
        shares = into[index]
        i = bisect_right(change_times, a)
        level = timeline.changes[i - 1][1] if i else None
        boosted = _covered(boosts, a)
        is_dark = _covered(dark, a)
        shares.total += seconds
        if boosted:
            shares.boosted += seconds
        if level is not None:
            shares.known += seconds
            shares.level_seconds += level * seconds
        if is_dark:
            if boosted:
                shares.dark_boosted += seconds
                if level is not None:
                    shares.dark_known += seconds
            elif level is not None:
                shares.dark_known += seconds
                if level < dim_level:
                    shares.dark_dim += seconds
                else:
                    shares.dark_lit += seconds


def event_side(*, dark: bool | None, boosted: int | None, mean: float | None, dim_level: float):
    """Which side an event falls on: "day", "boosted" (some linked light under a boost),
    "dim" or "lit" (scheduled lighting under / at or above the dim level), or "unknown"."""
    if not dark:
        return "day"
    if boosted:
        return "boosted"
    if mean is None:
        return "unknown"
    return "dim" if mean < dim_level else "lit"


def interval_overlap(
    intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> float:
    """Seconds of [start, end) covered by the intervals (which may overlap each other)."""
    clipped = [(max(a, start), min(b, end)) for a, b in intervals]
    return sum((b - a).total_seconds() for a, b in _merge(c for c in clipped if c[1] > c[0]))
