"""Low-light hotspots and the recommendations drawn from them, as pure functions over
aggregates (no database; table-testable). The method and its caveats: docs/correlation.md.

Exposure is camera-watched dark time under *scheduled* lighting: for each zone-hour,
dark fraction × the share of the lights' dark time that was dim (or lit) and not boosted ×
camera uptime, in hours. Events and exposure under a boost are left out of both sides, so
boosts caused by incidents never read as "light brings incidents". A zone is a hotspot for an
event type when its rate of events in dim, scheduled lighting is well above the rest of the
city's, above its matched control zones' (same kind, similar footfall) where there are any,
and unlikely under the reference rate (one-sided Poisson test).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SMOOTHING = 0.5  # events added to each side of a ratio: small counts never give ∞


@dataclass(frozen=True)
class ZoneTypeStats:
    """One zone's numbers for one event type over a period."""

    zone_id: int
    zone_name: str
    zone_kind: str
    event_type: str
    dim_events: int
    lit_events: int
    boosted_events: int
    dim_hours: float
    lit_hours: float
    footfall_per_hour: float | None = None
    history_dim_events: int = 0
    history_dim_hours: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    min_events: int = 5
    min_ratio: float = 2.0
    max_p: float = 0.05
    footfall_band: float = 2.0  # controls: footfall within ×/÷ this


@dataclass
class Hotspot:
    zone_id: int
    zone_name: str
    event_type: str
    dim_events: int
    dim_hours: float
    dim_rate: float | None
    lit_rate: float | None
    city_rate: float | None
    control_rate: float | None
    history_rate: float | None
    ratio_city: float
    ratio_control: float | None
    ratio_history: float | None
    ratio_lit: float | None
    p_value: float
    boosted_events_excluded: int
    control_zones: list[int] = field(default_factory=list)


def rate(events: float, hours: float) -> float | None:
    return events / hours if hours > 0 else None


def ratio(events: float, hours: float, ref_events: float, ref_hours: float) -> float | None:
    """(events/hours) ÷ (ref_events/ref_hours), each count smoothed; None without exposure."""
    if hours <= 0 or ref_hours <= 0:
        return None
    return ((events + SMOOTHING) / hours) / ((ref_events + SMOOTHING) / ref_hours)


def poisson_sf(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mu)."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    term = math.exp(-mu)
    below = term
    for i in range(1, k):
        term *= mu / i
        below += term
    return max(0.0, 1.0 - below)


def controls_of(stats: ZoneTypeStats, others: Iterable[ZoneTypeStats], band: float):
    """Matched control zones: same kind, and similar footfall where both have a count."""
    out = []
    for other in others:
        if other.zone_id == stats.zone_id or other.zone_kind != stats.zone_kind:
            continue
        a, b = stats.footfall_per_hour, other.footfall_per_hour
        if a is not None and b is not None and a > 0 and b > 0 and max(a / b, b / a) > band:
            continue
        out.append(other)
    return out


def hotspots_find(
    stats: Sequence[ZoneTypeStats], thresholds: Thresholds = Thresholds()
) -> list[Hotspot]:
    """The hotspots among `stats` (every zone's numbers for each type), strongest first."""
    by_type: dict[str, list[ZoneTypeStats]] = {}
    for row in stats:
        by_type.setdefault(row.event_type, []).append(row)
    found = []
    for rows in by_type.values():
        total_events = sum(r.dim_events for r in rows)
        total_hours = sum(r.dim_hours for r in rows)
        for row in rows:
            if row.dim_events < thresholds.min_events or row.dim_hours <= 0:
                continue
            rest_events = total_events - row.dim_events
            rest_hours = total_hours - row.dim_hours
            ratio_city = ratio(row.dim_events, row.dim_hours, rest_events, rest_hours)
            if ratio_city is None or ratio_city < thresholds.min_ratio:
                continue
            controls = controls_of(row, rows, thresholds.footfall_band)
            control_events = sum(c.dim_events for c in controls)
            control_hours = sum(c.dim_hours for c in controls)
            ratio_control = ratio(row.dim_events, row.dim_hours, control_events, control_hours)
            if ratio_control is not None and ratio_control < thresholds.min_ratio:
                continue
            reference = rate(control_events + SMOOTHING, control_hours) if control_hours else None
            reference = reference or rate(rest_events + SMOOTHING, rest_hours)
            p_value = poisson_sf(row.dim_events, (reference or 0) * row.dim_hours)
            if p_value > thresholds.max_p:
                continue
            found.append(
                Hotspot(
                    zone_id=row.zone_id,
                    zone_name=row.zone_name,
                    event_type=row.event_type,
                    dim_events=row.dim_events,
                    dim_hours=round(row.dim_hours, 3),
                    dim_rate=_round(rate(row.dim_events, row.dim_hours)),
                    lit_rate=_round(rate(row.lit_events, row.lit_hours)),
                    city_rate=_round(rate(rest_events, rest_hours)),
                    control_rate=_round(rate(control_events, control_hours)),
                    history_rate=_round(rate(row.history_dim_events, row.history_dim_hours)),
                    ratio_city=round(ratio_city, 2),
                    ratio_control=_round(ratio_control, 2),
                    ratio_history=_round(
                        ratio(
                            row.dim_events,
                            row.dim_hours,
                            row.history_dim_events,
                            row.history_dim_hours,
                        ),
                        2,
                    ),
                    ratio_lit=_round(
                        ratio(row.dim_events, row.dim_hours, row.lit_events, row.lit_hours), 2
                    ),
                    p_value=round(p_value, 5),
                    boosted_events_excluded=row.boosted_events,
                    control_zones=sorted(c.zone_id for c in controls),
                )
            )
    found.sort(key=lambda h: (-h.ratio_city, h.zone_name, h.event_type))
    return found


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# --- Recommendations ----------------------------------------------------------------------

NIGHT_ORDER = [*range(12, 24), *range(0, 12)]  # a lighting night runs noon to noon


def window_of(dim_by_local_hour: dict[int, int], share: float = 0.8) -> tuple[int, int] | None:
    """The shortest run of consecutive local hours (in night order) holding at least `share`
    of the dim events: (first hour, hour after the last), e.g. (1, 5) for 01:00–05:00."""
    total = sum(dim_by_local_hour.values())
    if total <= 0:
        return None
    counts = [dim_by_local_hour.get(h, 0) for h in NIGHT_ORDER]
    best = None
    for i in range(24):
        running = 0
        for j in range(i, 24):
            running += counts[j]
            if running >= share * total:
                if best is None or (j - i) < (best[1] - best[0]):
                    best = (i, j)
                break
    first, last = best
    return NIGHT_ORDER[first], (NIGHT_ORDER[last] + 1) % 24


def proposed_floor(*, current: float, dim_level: float) -> float:
    """At least 10 points above the dim level (rounded up to a multiple of 10), and above the
    current level."""
    target = math.ceil((dim_level + 10) / 10) * 10
    return float(min(100, max(target, math.ceil((current + 10) / 10) * 10 if current else target)))


@dataclass
class Recommendation:
    zone_id: int
    zone_name: str
    event_type: str
    start_hour: int
    end_hour: int
    current_level: float
    proposed_level: float
    dim_level: float
    text: str
    numbers: dict


def recommendation_for(
    hotspot: Hotspot,
    *,
    dim_by_local_hour: dict[int, int],
    level_by_local_hour: dict[int, float],
    dim_level: float,
) -> Recommendation | None:
    """The programme change a Smart City officer could make for a hotspot, with its numbers."""
    window = window_of(dim_by_local_hour)
    if window is None:
        return None
    start, end = window
    hours = _hours_between(start, end)
    levels = [level_by_local_hour[h] for h in hours if level_by_local_hour.get(h) is not None]
    current = round(sum(levels) / len(levels)) if levels else 0.0
    proposed = proposed_floor(current=current, dim_level=dim_level)
    in_window = sum(dim_by_local_hour.get(h, 0) for h in hours)
    text = (
        f"Raise the floor on {hotspot.zone_name} from {current:.0f} % to {proposed:.0f} % "
        f"between {start:02d}:00 and {end:02d}:00: {hotspot.ratio_city:.1f}× the city rate of "
        f"{hotspot.event_type.replace('_', ' ')} alerts at levels under {dim_level:g} %"
    )
    numbers = {
        "dim_events": hotspot.dim_events,
        "dim_events_in_window": in_window,
        "dim_hours": hotspot.dim_hours,
        "dim_rate_per_hour": hotspot.dim_rate,
        "city_rate_per_hour": hotspot.city_rate,
        "control_rate_per_hour": hotspot.control_rate,
        "history_rate_per_hour": hotspot.history_rate,
        "lit_rate_per_hour": hotspot.lit_rate,
        "ratio_city": hotspot.ratio_city,
        "ratio_control": hotspot.ratio_control,
        "ratio_history": hotspot.ratio_history,
        "ratio_lit": hotspot.ratio_lit,
        "p_value": hotspot.p_value,
        "control_zones": hotspot.control_zones,
        "boosted_events_excluded": hotspot.boosted_events_excluded,
        "mean_level_in_window": current,
    }
    return Recommendation(
        zone_id=hotspot.zone_id,
        zone_name=hotspot.zone_name,
        event_type=hotspot.event_type,
        start_hour=start,
        end_hour=end,
        current_level=float(current),
        proposed_level=proposed,
        dim_level=dim_level,
        text=text,
        numbers=numbers,
    )


def _hours_between(start: int, end: int) -> list[int]:
    hours, h = [], start
    while True:
        hours.append(h)
        h = (h + 1) % 24
        if h == end:
            return hours


# --- The draft programme ----------------------------------------------------------------------


def steps_with_floor(
    steps: list[dict],
    *,
    start: time,
    end: time,
    floor: float,
    night: date,
    tz_name: str,
    latitude: float,
    longitude: float,
) -> list[dict]:
    """A programme's steps (the model's JSON) with at least `floor` % between local `start`
    and `end`: steps inside the window are raised to the floor, a fixed-time step at `start`
    sets max(level in force, floor), one at `end` restores the level the programme had then.
    Sun steps are placed by their instants on `night` (the officer reviews the draft)."""
    from lighting.core.schedule import (
        local_to_utc,
        night_bounds,
        parse_steps,
        step_instants,
    )

    tz = ZoneInfo(tz_name)
    timed = step_instants(parse_steps(steps), night, tz_name, latitude, longitude)
    noon = time(12, 0)
    t0 = local_to_utc(night if start >= noon else night + timedelta(days=1), start, tz)
    t1 = local_to_utc(night if end >= noon else night + timedelta(days=1), end, tz)
    night_start, _ = night_bounds(night, tz)

    def level_at(t: datetime) -> float:
        level = timed[-1].step.level if timed else 0.0  # the night before's last step holds
        for ts in timed:
            if ts.at <= t:
                level = ts.step.level
        return level

    items: list[tuple[datetime, int, dict]] = []
    for ts in timed:
        raw = dict(steps[ts.index])
        if t0 <= ts.at < t1:
            raw["level"] = max(float(raw["level"]), floor)
        items.append((ts.at, 1, raw))
    items.append(
        (
            t0,
            0,
            {"trigger": "time", "time": start.strftime("%H:%M"), "level": max(level_at(t0), floor)},
        )
    )
    items.append((t1, 0, {"trigger": "time", "time": end.strftime("%H:%M"), "level": level_at(t1)}))
    items = [item for item in items if item[0] >= night_start]
    items.sort(key=lambda item: (item[0], item[1]))
    return [raw for _, _, raw in items]
