"""What the simulated sensors report: lux following the sun under drifting cloud, ambient
temperature, a river gauge's `level_cm` and a rain gauge's `rain_mm_h` (devices/simulators/
river.py, with the storm of `SimOptions.storm_after_s`). One reading per call; no I/O.

The readings' clock is `SimOptions.clock` (the real time by default): the storm begins
`storm_after_s` after the first reading's clock time, and every reading's `ts` is the clock's.
"""

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from devices.simulators.physics import ambient_temperature_c, daylight_lux
from devices.simulators.river import rain_mm_h, river_level_cm
from devices.simulators.specs import SensorSpec, SimOptions

LUX, TEMPERATURE, FLOOD_LEVEL, RAINFALL = "lux", "temperature", "flood_level", "rainfall"
# What a sensor asset's `measures` says → what the simulator reports for it.
MEASURES = {
    "lux": LUX,
    "illuminance": LUX,
    "light": LUX,
    "temperature": TEMPERATURE,
    "temp": TEMPERATURE,
    "temp_c": TEMPERATURE,
    "flood_level": FLOOD_LEVEL,
    "river_level": FLOOD_LEVEL,
    "water_level": FLOOD_LEVEL,
    "rainfall": RAINFALL,
    "rain": RAINFALL,
}


def _real_now() -> datetime:
    return datetime.now(UTC)


class SensorReadings:
    def __init__(self, options: SimOptions, rng: random.Random) -> None:
        self.options = options
        self.random = rng
        self.clock: Callable[[], datetime] = options.clock or _real_now
        self._cloud: dict[str, float] = {}
        self._storm_at: datetime | None = None
        self._started = False

    @property
    def storm_at(self) -> datetime | None:
        return self._storm_at

    def _start(self, now: datetime) -> None:
        self._started = True
        if self.options.storm_after_s is not None:
            self._storm_at = now + timedelta(seconds=self.options.storm_after_s)

    def lux_of(self, sensor: SensorSpec, when: datetime) -> float:
        cloud = self._cloud.get(sensor.device_id, self.random.uniform(0.4, 1.0))
        cloud = min(1.0, max(0.15, cloud + self.random.uniform(-0.05, 0.05)))
        self._cloud[sensor.device_id] = cloud
        o = self.options
        return daylight_lux(when, o.latitude, o.longitude, cloud=cloud)

    def reading(self, sensor: SensorSpec) -> dict:
        """The sensor's telemetry now (by the clock): {"ts", <its metric>}."""
        when = self.clock()
        if not self._started:
            self._start(when)
        o, kind = self.options, sensor.measures
        ts = when.isoformat(timespec="milliseconds")
        if kind == FLOOD_LEVEL:
            level = river_level_cm(sensor.device_id, when, storm_at=self._storm_at, rng=self.random)
            return {"ts": ts, "level_cm": level}
        if kind == RAINFALL:
            return {
                "ts": ts,
                "rain_mm_h": rain_mm_h(when, storm_at=self._storm_at, rng=self.random),
            }
        if kind == TEMPERATURE:
            return {"ts": ts, "temp_c": ambient_temperature_c(when, o.latitude, o.longitude)}
        return {"ts": ts, "lux": self.lux_of(sensor, when)}
