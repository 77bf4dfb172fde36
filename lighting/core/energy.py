"""Energy arithmetic on half-hour slots, as pure functions.

Three sources, best first: an energy counter (Wh, cumulative; a drop is a meter reset and is
skipped), reported power (each sample holds until the next, at most `max_hold`), or an
estimate from rated power × level × burn time over a level timeline (reported levels, else
commanded ones).
"""

import itertools
from bisect import bisect_right
from datetime import datetime, timedelta

SLOT = timedelta(minutes=30)


def slots_between(start: datetime, end: datetime) -> list[datetime]:
    """Slot starts from `start` to `end` every 30 minutes (46 or 50 on clock-change days)."""
    out, t = [], start
    while t < end:
        out.append(t)
        t += SLOT
    return out


def _spread(per_slot: list[float], slots: list[datetime], a: datetime, b: datetime, wh: float):
    """Adds `wh`, spread evenly over [a, b), to the slots it overlaps."""
    if b <= a or not slots:
        return
    span = (b - a).total_seconds()
    end = slots[-1] + SLOT
    i = max(bisect_right(slots, a) - 1, 0)
    while i < len(slots):
        s0 = slots[i]
        s1 = s0 + SLOT
        if s0 >= b or s0 >= end:
            break
        overlap = (min(b, s1) - max(a, s0)).total_seconds()
        if overlap > 0:
            per_slot[i] += wh * overlap / span
        i += 1


def from_levels(
    timeline: list[tuple[datetime, float]], slots: list[datetime], rated_w: float
) -> list[float]:
    """Wh per slot from a level timeline (each level holds until the next change)."""
    per_slot = [0.0] * len(slots)
    if not slots or not timeline:
        return per_slot
    start, end = slots[0], slots[-1] + SLOT
    for i, (t, level) in enumerate(timeline):
        a = max(t, start)
        b = min(timeline[i + 1][0], end) if i + 1 < len(timeline) else end
        if b > a and level > 0:
            _spread(per_slot, slots, a, b, rated_w * level / 100 * (b - a).total_seconds() / 3600)
    return per_slot


def from_power(
    samples: list[tuple[datetime, float]],
    slots: list[datetime],
    max_hold: timedelta = timedelta(minutes=30),
) -> list[float]:
    per_slot = [0.0] * len(slots)
    if not slots:
        return per_slot
    start, end = slots[0], slots[-1] + SLOT
    for i, (t, watts) in enumerate(samples):
        a = max(t, start)
        nxt = samples[i + 1][0] if i + 1 < len(samples) else end
        b = min(nxt, t + max_hold, end)
        if b > a and watts > 0:
            _spread(per_slot, slots, a, b, watts * (b - a).total_seconds() / 3600)
    return per_slot


def from_counter(readings: list[tuple[datetime, float]], slots: list[datetime]) -> list[float]:
    per_slot = [0.0] * len(slots)
    if not slots:
        return per_slot
    start, end = slots[0], slots[-1] + SLOT
    for (t0, e0), (t1, e1) in itertools.pairwise(readings):
        delta = e1 - e0
        if delta <= 0 or t1 <= start or t0 >= end:
            continue
        a, b = max(t0, start), min(t1, end)
        _spread(per_slot, slots, a, b, delta * (b - a).total_seconds() / (t1 - t0).total_seconds())
    return per_slot
