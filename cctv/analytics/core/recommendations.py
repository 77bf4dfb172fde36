"""The recommendation drawn from a hotspot and the draft programme it proposes, as pure
functions (no database; table-testable). The method: docs/correlation.md."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cctv.analytics.core.hotspots import Hotspot
from lighting.core.schedule import local_to_utc, night_bounds, parse_steps, step_instants

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
