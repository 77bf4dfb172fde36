"""Low-light hotspots, as pure functions over
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
