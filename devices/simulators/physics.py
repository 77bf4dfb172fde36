"""What simulated devices measure: LED driver power, lamp temperature, daylight.

Figures are plausible rather than exact: a street LED luminaire's driver draws a little on
standby (the control node and the driver's own losses, ~0.5 W), its efficiency falls at deep
dimming (so 10 % light costs more than 10 % power), and the lamp runs warmer than the air by
an amount that grows with its power.
"""

import math
from datetime import datetime

from astral import Observer
from astral.sun import elevation

STANDBY_W = 0.5


def led_power_w(rated_w: float, level: float) -> float:
    """Input power of an LED luminaire of `rated_w` at `level` percent (0-100)."""
    level = max(0.0, min(100.0, level))
    if level <= 0:
        return STANDBY_W
    x = level / 100.0
    # Fixed driver losses (~6 % of rated) plus a slightly convex light-to-power curve.
    return round(STANDBY_W + rated_w * (0.06 + 0.94 * x**1.1), 2)


def lamp_temperature_c(ambient_c: float, power_w: float) -> float:
    """Driver/housing temperature: ambient plus ~0.4 °C per watt dissipated."""
    return round(ambient_c + 0.4 * power_w, 1)


def ambient_temperature_c(when: datetime, latitude: float, longitude: float) -> float:
    """A mild day/night swing around 11 °C, warmest mid-afternoon."""
    sun = sun_elevation(when, latitude, longitude)
    return round(11.0 + 5.0 * math.sin(math.radians(max(-20.0, min(60.0, sun)) * 1.5)), 1)


def sun_elevation(when: datetime, latitude: float, longitude: float) -> float:
    return elevation(Observer(latitude=latitude, longitude=longitude), when)


def daylight_lux(when: datetime, latitude: float, longitude: float, *, cloud: float = 1.0) -> float:
    """Horizontal illuminance outdoors, following the sun.

    Daylight: ~100,000 lux × sin(elevation) under a clear sky (`cloud` 0.1-1 scales it);
    civil twilight falls from ~400 lux at sunset to ~3 lux at -6°; night is a street's
    ~1 lux of stray light and moonlight.
    """
    sun = sun_elevation(when, latitude, longitude)
    if sun > 0:
        return round(max(400.0, 100_000.0 * math.sin(math.radians(sun))) * cloud, 1)
    if sun > -6:
        return round(400.0 * math.exp(sun / 6.0 * math.log(400 / 3)) * cloud, 2)
    return 1.0
