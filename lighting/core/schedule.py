"""Programmes, calendars and sun times, as pure functions.

A *lighting night* runs from noon of its date to noon of the next day (local time), so that
"Friday night" is one programme from Friday evening into Saturday morning. A programme's steps
happen in the order they are written: a fixed-time step at or after 12:00 falls on the night's
date, before 12:00 on the next morning; sun steps use that evening's sunset/dusk and the next
morning's sunrise/dawn. A step computed earlier than the step before it (sunset after 23:00 in
a northern summer) takes effect at that earlier step's instant, so the written order holds.

Where the sun does not set or rise (polar day and night) the missing event is put at the edge of
the night: in polar night sunset/dusk at its start and sunrise/dawn at its end; in polar day both
at its end, so a dusk-to-dawn programme stays off all day. Nothing raises.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from astral import Observer
from astral import sun as astral_sun

from cityplatform.timefmt import clock
from lighting.choices import RuleKind, StepTrigger

NOON = time(12, 0)
UTC = UTC
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A programme's or calendar rule's problem, in words; `field` names the field it is about
    (for a form to show it there), if one."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Step:
    trigger: str
    level: float
    at: time | None = None  # for trigger "time"
    offset_min: int = 0

    def describe(self) -> str:
        if self.trigger == StepTrigger.TIME:
            return f"{self.level:g} % from {self.at:%H:%M}"
        offset = f" {self.offset_min:+d} min" if self.offset_min else ""
        label = StepTrigger(self.trigger).label.lower()
        return f"{self.level:g} % from {label}{offset}"


def parse_steps(raw) -> tuple[Step, ...]:
    """Validates a programme's steps (a list of dicts) and returns them typed."""
    if not isinstance(raw, list):
        raise ScheduleError("steps must be a list")
    if len(raw) > 48:
        raise ScheduleError("a programme has at most 48 steps")
    steps = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ScheduleError(f"step {i + 1}: must be an object")
        trigger = item.get("trigger")
        if trigger not in StepTrigger.values:
            raise ScheduleError(f"step {i + 1}: trigger must be one of {StepTrigger.values}")
        level = item.get("level")
        if not isinstance(level, int | float) or isinstance(level, bool) or not 0 <= level <= 100:
            raise ScheduleError(f"step {i + 1}: level must be a number from 0 to 100")
        offset = item.get("offset_min", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or abs(offset) > 720:
            raise ScheduleError(f"step {i + 1}: offset_min must be whole minutes within ±720")
        at = None
        if trigger == StepTrigger.TIME:
            match = _TIME.match(str(item.get("time", "")))
            if not match:
                raise ScheduleError(f"step {i + 1}: time must be HH:MM")
            at = time(int(match[1]), int(match[2]))
        steps.append(Step(trigger=trigger, level=float(level), at=at, offset_min=offset))
    return tuple(steps)


# --- Sun ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SunTimes:
    """One lighting night's sun events in UTC: the evening's sunset/dusk, the morning's
    sunrise/dawn. None marks an event that does not happen (polar day or night)."""

    sunset: datetime | None
    dusk: datetime | None
    sunrise: datetime | None
    dawn: datetime | None
    polar: str = ""  # "", "day" or "night" when an event is missing


_EVENT_DEPRESSION = {"sunset": 0.833, "sunrise": 0.833, "dusk": 6.0, "dawn": 6.0}


def _sun_event(
    name: str, observer: Observer, day: date, tz: ZoneInfo
) -> tuple[datetime | None, str]:
    try:
        return getattr(astral_sun, name)(observer, day, tzinfo=tz).astimezone(UTC), ""
    except ValueError:
        noon = astral_sun.noon(observer, day, tzinfo=tz)
        up = astral_sun.elevation(observer, noon) > -_EVENT_DEPRESSION[name]
        return None, "day" if up else "night"


@lru_cache(maxsize=65536)
def sun_times(night: date, tz_name: str, latitude: float, longitude: float) -> SunTimes:
    """Sun events of the lighting night starting on `night` (cached: call with a rounded
    position; 0.05° moves sunset by well under a minute)."""
    tz = ZoneInfo(tz_name)
    observer = Observer(latitude=latitude, longitude=longitude)
    morning = night + timedelta(days=1)
    sunset, p1 = _sun_event("sunset", observer, night, tz)
    dusk, p2 = _sun_event("dusk", observer, night, tz)
    sunrise, p3 = _sun_event("sunrise", observer, morning, tz)
    dawn, p4 = _sun_event("dawn", observer, morning, tz)
    polar = next((p for p in (p1, p2, p3, p4) if p), "")
    return SunTimes(sunset=sunset, dusk=dusk, sunrise=sunrise, dawn=dawn, polar=polar)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a date in UTC. A time skipped by the spring change (01:30 in the UK)
    is taken as the same clock reading before the change, i.e. an hour later after it (02:30);
    a time that happens twice in autumn is its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def night_bounds(night: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_to_utc(night, NOON, tz), local_to_utc(night + timedelta(days=1), NOON, tz)


def night_of(t: datetime, tz: ZoneInfo) -> date:
    """The lighting night (noon to noon) an instant belongs to."""
    local = t.astimezone(tz)
    return local.date() if local.time() >= NOON else local.date() - timedelta(days=1)


@dataclass(frozen=True)
class TimedStep:
    at: datetime  # UTC
    step: Step
    index: int  # position in the programme
    moved: bool = False  # held back to keep the written order


def step_instants(
    steps: tuple[Step, ...], night: date, tz_name: str, latitude: float, longitude: float
) -> tuple[TimedStep, ...]:
    """When each step of a programme happens in the lighting night starting on `night` (UTC)."""
    tz = ZoneInfo(tz_name)
    start, end = night_bounds(night, tz)
    sun = None
    out: list[TimedStep] = []
    previous = start
    for index, step in enumerate(steps):
        if step.trigger == StepTrigger.TIME:
            day = night if step.at >= NOON else night + timedelta(days=1)
            at = local_to_utc(day, step.at, tz)
        else:
            sun = sun or sun_times(night, tz_name, latitude, longitude)
            event = getattr(sun, step.trigger)
            if event is None:  # polar: see the module's docstring
                evening = step.trigger in (StepTrigger.SUNSET, StepTrigger.DUSK)
                at = start if (sun.polar == "night" and evening) else end
            else:
                at = event + timedelta(minutes=step.offset_min)
        at = min(max(at, start), end)
        moved = at < previous
        at = max(at, previous)
        previous = at
        out.append(TimedStep(at=at, step=step, index=index, moved=moved))
    return tuple(out)


# --- Calendars ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str
    programme_id: int
    date_from: date | None = None
    date_to: date | None = None
    weekdays: frozenset[int] = frozenset()
    nth: int | None = None
    months: frozenset[int] = frozenset()
    label: str = ""

    def matches(self, day: date) -> bool:
        if self.months and day.month not in self.months:
            return False
        if self.kind == RuleKind.DATE:
            return day == self.date_from
        if self.kind == RuleKind.DATE_RANGE:
            return self.date_from <= day <= self.date_to
        if self.kind == RuleKind.WEEKDAYS:
            return day.weekday() in self.weekdays
        if self.kind == RuleKind.YEARLY:
            return _yearly_matches(day, self.date_from, self.date_to)
        if self.kind == RuleKind.NTH_WEEKDAY:
            if day.weekday() not in self.weekdays:
                return False
            if self.nth == -1:
                return (day + timedelta(days=7)).month != day.month
            return (day.day - 1) // 7 + 1 == self.nth
        return False

    def describe(self) -> str:
        if self.label:
            return self.label
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        days = "/".join(names[d] for d in sorted(self.weekdays))
        if self.kind == RuleKind.DATE:
            return f"on {self.date_from:%d %b %Y}"
        if self.kind == RuleKind.DATE_RANGE:
            return f"from {self.date_from:%d %b %Y} to {self.date_to:%d %b %Y}"
        if self.kind == RuleKind.WEEKDAYS:
            return f"on {days}{self._in_months()}"
        if self.kind == RuleKind.YEARLY:
            if self.date_to and _month_day(self.date_to) != _month_day(self.date_from):
                return f"every year from {self.date_from:%d %b} to {self.date_to:%d %b}"
            return f"every year on {self.date_from:%d %b}"
        which = "last" if self.nth == -1 else ["1st", "2nd", "3rd", "4th", "5th"][self.nth - 1]
        months = self._in_months()
        return f"the {which} {days} of {months[4:] if months else 'the month'}"

    def _in_months(self) -> str:
        names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
        names += ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return f" in {'/'.join(names[m - 1] for m in sorted(self.months))}" if self.months else ""


def _month_day(day: date) -> tuple[int, int]:
    return (day.month, day.day)


def _yearly_matches(day: date, start: date, end: date | None) -> bool:
    """Whether `day` falls on a yearly date or span (years ignored; a span may run over the
    new year). 29 February in a year without one is taken as 28 February."""

    def md(d: date) -> tuple[int, int]:
        return (2, 28) if (d.month, d.day) == (2, 29) and not _leap(day.year) else _month_day(d)

    first, last = md(start), md(end) if end else md(start)
    today = _month_day(day)
    if first <= last:
        return first <= today <= last
    return today >= first or today <= last  # over the new year


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def rule_from_fields(
    *, kind, date_from, date_to, weekdays, nth, months, programme_id, label=""
) -> Rule:
    """Validates one calendar rule's fields and returns the typed rule."""
    if kind not in RuleKind.values:
        kinds = ", ".join(label.lower() for label in RuleKind.labels)
        raise ScheduleError(f"Choose what the rule matches: {kinds}.", field="kind")
    weekdays = weekdays or []
    months = months or []
    if not isinstance(weekdays, list) or any(
        not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays
    ):
        raise ScheduleError("Weekdays go from 0 (Monday) to 6 (Sunday).", field="weekdays")
    if not isinstance(months, list) or any(
        not isinstance(m, int) or not 1 <= m <= 12 for m in months
    ):
        raise ScheduleError("Months go from 1 (January) to 12 (December).", field="months")
    if kind in (RuleKind.DATE, RuleKind.DATE_RANGE, RuleKind.YEARLY) and date_from is None:
        what = "the date" if kind == RuleKind.DATE else "the start date"
        raise ScheduleError(f"Choose {what}.", field="date_from")
    if kind == RuleKind.DATE_RANGE and date_to is None:
        raise ScheduleError("Choose the end date.", field="date_to")
    if kind == RuleKind.DATE_RANGE and date_to < date_from:
        raise ScheduleError("The end date is before the start.", field="date_to")
    if kind in (RuleKind.WEEKDAYS, RuleKind.NTH_WEEKDAY) and not weekdays:
        raise ScheduleError("Choose at least one weekday.", field="weekdays")
    if kind == RuleKind.NTH_WEEKDAY and nth not in (1, 2, 3, 4, 5, -1):
        raise ScheduleError("Choose which one: the 1st to the 5th, or the last.", field="nth")
    return Rule(
        kind=kind,
        programme_id=programme_id,
        date_from=date_from,
        date_to=date_to,
        weekdays=frozenset(weekdays),
        nth=nth,
        months=frozenset(months),
        label=label,
    )


@dataclass(frozen=True)
class CalendarSpec:
    id: int
    name: str
    rules: tuple[Rule, ...]
    default_programme_id: int | None


def calendar_pick(calendar: CalendarSpec, night: date) -> tuple[int | None, Rule | None]:
    """The programme for a lighting night: the first matching rule's, else the default."""
    for rule in calendar.rules:
        if rule.matches(night):
            return rule.programme_id, rule
    return calendar.default_programme_id, None


@dataclass(frozen=True)
class ProgrammeSpec:
    id: int
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class ScheduledLevel:
    """What the schedule gives at an instant, with its reasons."""

    level: float
    programme: ProgrammeSpec | None
    step: TimedStep | None
    rule: Rule | None
    calendar: CalendarSpec | None
    night: date | None
    tz_name: str = "UTC"  # the zone it was evaluated in: its times are said in it

    def describe(self) -> str:
        if self.calendar is None:
            return "no calendar assigned: off"
        if self.programme is None:
            return f"calendar '{self.calendar.name}' has no programme for this night: off"
        picked = f"rule {self.rule.describe()}" if self.rule else "default"
        if self.step is None:
            return f"programme '{self.programme.name}' ({picked}) has no step yet: off"
        when = (
            f" at {clock(self.step.at, self.tz_name)}" if self.step.step.trigger != "time" else ""
        )
        return (
            f"programme '{self.programme.name}' ({picked} of calendar '{self.calendar.name}'): "
            f"{self.step.step.describe()}{when}"
        )


class Schedule:
    """Evaluates calendars and programmes, caching the step instants per (calendar, night,
    time zone, rounded position): the bulk resolver computes sun times per cluster, not per
    light."""

    def __init__(self, calendars: dict[int, CalendarSpec], programmes: dict[int, ProgrammeSpec]):
        self.calendars = calendars
        self.programmes = programmes
        self._cache: dict[tuple, tuple] = {}

    def _night(self, calendar_id, night, tz_name, lat, lon):
        key = (calendar_id, night, tz_name, lat, lon)
        hit = self._cache.get(key)
        if hit is None:
            calendar = self.calendars[calendar_id]
            programme_id, rule = calendar_pick(calendar, night)
            programme = self.programmes.get(programme_id) if programme_id else None
            timed = step_instants(programme.steps, night, tz_name, lat, lon) if programme else ()
            hit = (programme, rule, timed, [ts.at for ts in timed])
            self._cache[key] = hit
        return hit

    def level_at(
        self, calendar_id: int | None, t: datetime, tz_name: str, lat: float, lon: float
    ) -> ScheduledLevel:
        if calendar_id is None or calendar_id not in self.calendars:
            return ScheduledLevel(0.0, None, None, None, None, None, tz_name)
        lat, lon = round(lat, 1), round(lon, 1)
        tz = _zone(tz_name)
        night = night_of(t, tz)
        programme, rule, timed, ats = self._night(calendar_id, night, tz_name, lat, lon)
        i = bisect_right(ats, t)
        if i:
            step = timed[i - 1]
        else:  # before tonight's first step: the last step of the night before holds
            night = night - timedelta(days=1)
            programme, rule, before, _ats = self._night(calendar_id, night, tz_name, lat, lon)
            step = before[-1] if before else None
        level = step.step.level if step else 0.0
        return ScheduledLevel(
            level, programme, step, rule, self.calendars[calendar_id], night, tz_name
        )


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
