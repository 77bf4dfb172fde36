"""What the river frontage's gauges read: a flood gauge's level and a rain gauge's rainfall, as
functions of time. No I/O.

Normal weather: the level wobbles slowly around the gauge's base level, a tide-like swing of
±6 cm over 12 h 25 min (at most ~1.5 cm in 30 minutes, far from a rate-of-rise rule), with a few
millimetres of noise; no rain. A storm (from `storm_at`): rain sets in and the river rises 45 cm
in 10 minutes, stays high for 10 minutes, then falls back over 20 minutes while the rain eases.
So a rule "rose 20 cm within 30 minutes" fires ~5 minutes in, "above 150 cm for 2 minutes" a few
minutes later, and both clear about half an hour after the storm began (docs/simulators.md).
"""

import math
import random
import zlib
from datetime import datetime

TIDE_PERIOD_S = 12.42 * 3600  # a semidiurnal tide
TIDE_AMPLITUDE_CM = 6.0
BASE_CM = 115.0  # the gauges' base levels: 115–125 cm over their datum, by device id
STORM_RISE_CM = 45.0
STORM_RISE_S = 600.0
STORM_PEAK_S = 600.0
STORM_FALL_S = 1200.0
STORM_S = STORM_RISE_S + STORM_PEAK_S + STORM_FALL_S
RAIN_PEAK_MM_H = 28.0  # a heavy downpour


def base_level_cm(device_id: str) -> float:
    """A gauge's own base level (gauges sit at different heights over their datum)."""
    return BASE_CM + (zlib.crc32(device_id.encode()) % 101) / 10


def surge_cm(since_storm_s: float) -> float:
    """How far the storm has lifted the river, `since_storm_s` seconds after it began."""
    t = since_storm_s
    if t <= 0 or t >= STORM_S:
        return 0.0
    if t < STORM_RISE_S:
        return STORM_RISE_CM * t / STORM_RISE_S
    if t < STORM_RISE_S + STORM_PEAK_S:
        return STORM_RISE_CM
    return STORM_RISE_CM * (1 - (t - STORM_RISE_S - STORM_PEAK_S) / STORM_FALL_S)


def river_level_cm(
    device_id: str, when: datetime, *, storm_at: datetime | None, rng: random.Random
) -> float:
    tide = TIDE_AMPLITUDE_CM * math.sin(2 * math.pi * when.timestamp() / TIDE_PERIOD_S)
    surge = surge_cm((when - storm_at).total_seconds()) if storm_at is not None else 0.0
    return round(base_level_cm(device_id) + tide + surge + rng.uniform(-0.3, 0.3), 1)


def rain_mm_h(when: datetime, *, storm_at: datetime | None, rng: random.Random) -> float:
    """Dry outside a storm; in one, heavy while the river rises and stays high, easing as it
    falls (gone halfway down)."""
    if storm_at is None:
        return 0.0
    t = (when - storm_at).total_seconds()
    heavy = STORM_RISE_S + STORM_PEAK_S
    if t <= 0 or t >= heavy + STORM_FALL_S / 2:
        return 0.0
    # It sets in over the first few minutes, and eases off as the river falls.
    share = min(1.0, t / (STORM_RISE_S / 3)) if t < heavy else 1 - (t - heavy) / (STORM_FALL_S / 2)
    return round(max(0.0, RAIN_PEAK_MM_H * share * rng.uniform(0.8, 1.1)), 1)
