"""A lighting night's profile: the level from noon to noon, as the schedule gives it.

Built on `lighting.core.schedule` (the same step instants the resolver uses), for the pages'
preview of a zone's night or of a programme being edited. Pure: no database.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lighting.core.schedule import Step, SunTimes, TimedStep, night_bounds, step_instants, sun_times


@dataclass(frozen=True)
class NightProfile:
    night: date
    time_zone: str
    latitude: float
    longitude: float
    start: datetime  # noon of `night`, UTC
    end: datetime  # noon of the next day, UTC
    sun: SunTimes
    initial_level: float  # what holds at noon: the night before's last step
    steps: tuple[TimedStep, ...]

    def points(self) -> list[tuple[datetime, float]]:
        """The level as a step function: (instant, level from then on), from start to end."""
        points = [(self.start, self.initial_level)]
        for timed in self.steps:
            if timed.at == points[-1][0]:
                points[-1] = (timed.at, timed.step.level)
            else:
                points.append((timed.at, timed.step.level))
        points.append((self.end, points[-1][1]))
        return points

    def as_dict(self) -> dict[str, Any]:
        sun = self.sun
        return {
            "night": self.night.isoformat(),
            "time_zone": self.time_zone,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "sun": {
                "sunset": sun.sunset.isoformat() if sun.sunset else None,
                "dusk": sun.dusk.isoformat() if sun.dusk else None,
                "dawn": sun.dawn.isoformat() if sun.dawn else None,
                "sunrise": sun.sunrise.isoformat() if sun.sunrise else None,
                "polar": sun.polar,
            },
            "initial_level": self.initial_level,
            "steps": [
                {
                    "index": t.index,
                    "at": t.at.isoformat(),
                    "level": t.step.level,
                    "trigger": t.step.trigger,
                    "offset_min": t.step.offset_min,
                    "time": f"{t.step.at:%H:%M}" if t.step.at else None,
                    "text": t.step.describe(),
                    "moved": t.moved,
                }
                for t in self.steps
            ],
            "points": [{"at": at.isoformat(), "level": level} for at, level in self.points()],
        }


def night_profile(
    *,
    steps: tuple[Step, ...],
    night: date,
    tz_name: str,
    latitude: float,
    longitude: float,
    previous_steps: tuple[Step, ...] | None = None,
) -> NightProfile:
    """The profile of the lighting night starting on `night` for a programme's `steps`.

    `previous_steps` are the steps of the programme of the night before (default: the same
    programme); its last step gives the level that holds from noon until tonight's first step,
    as in `Schedule.level_at`.
    """
    lat, lon = round(latitude, 1), round(longitude, 1)  # as the resolver rounds
    start, end = night_bounds(night, ZoneInfo(tz_name))
    timed = step_instants(steps, night, tz_name, lat, lon)
    before = steps if previous_steps is None else previous_steps
    initial = before[-1].level if before else 0.0
    return NightProfile(
        night=night,
        time_zone=tz_name,
        latitude=lat,
        longitude=lon,
        start=start,
        end=end,
        sun=sun_times(night, tz_name, lat, lon),
        initial_level=initial,
        steps=timed,
    )
