"""Programme and calendar semantics, table-driven, on the pure core (no database)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lighting.core.schedule import (
    CalendarSpec,
    ProgrammeSpec,
    Schedule,
    ScheduleError,
    calendar_pick,
    parse_steps,
    rule_from_fields,
    step_instants,
    sun_times,
)
from tests.lighting.conftest import RESIDENTIAL_STEPS, utc

LONDON = ("Europe/London", 51.5155, -0.0922)
TROMSO = ("Europe/Oslo", 69.65, 18.96)
PART_NIGHT = [
    {"trigger": "sunset", "offset_min": 10, "level": 100},
    {"trigger": "time", "time": "00:00", "level": 0},
    {"trigger": "time", "time": "05:30", "level": 100},
    {"trigger": "sunrise", "offset_min": -10, "level": 0},
]


def schedule_of(steps, rules=(), default=1) -> Schedule:
    programmes = {1: ProgrammeSpec(1, "Residential", parse_steps(steps))}
    programmes[2] = ProgrammeSpec(2, "Part-night", parse_steps(PART_NIGHT))
    programmes[3] = ProgrammeSpec(
        3,
        "Dusk to dawn",
        parse_steps([{"trigger": "dusk", "level": 100}, {"trigger": "dawn", "level": 0}]),
    )
    calendar = CalendarSpec(7, "Streets", tuple(rules), default)
    return Schedule({7: calendar}, programmes)


def level(schedule: Schedule, t: datetime, where=LONDON) -> float:
    tz, lat, lon = where
    return schedule.level_at(7, t, tz, lat, lon).level


# Friday 20 November 2026 in the City of London: sunset ≈ 16:05 UTC, sunrise ≈ 07:31 UTC.
@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (utc(2026, 11, 20, 15, 0), 0),  # afternoon: off since this morning's sunrise
        (utc(2026, 11, 20, 16, 30), 100),  # after sunset
        (utc(2026, 11, 20, 22, 59), 100),
        (utc(2026, 11, 20, 23, 0), 60),  # "60 % from 23:00"
        (utc(2026, 11, 21, 1, 0), 30),  # "30 % from 01:00", the next morning
        (utc(2026, 11, 21, 5, 30), 100),  # "100 % from 05:30"
        (utc(2026, 11, 21, 7, 45), 0),  # off at sunrise
        (utc(2026, 11, 21, 11, 59), 0),
    ],
)
def test_residential_programme_through_a_november_night(t, expected):
    assert level(schedule_of(RESIDENTIAL_STEPS), t) == expected


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (utc(2026, 11, 20, 16, 10), 0),  # sunset + 10 min not reached yet
        (utc(2026, 11, 20, 16, 20), 100),
        (utc(2026, 11, 21, 0, 30), 0),  # part-night switch-off from midnight
        (utc(2026, 11, 21, 6, 0), 100),
        (utc(2026, 11, 21, 7, 25), 0),  # sunrise − 10 min
    ],
)
def test_part_night_switch_off(t, expected):
    schedule = schedule_of(RESIDENTIAL_STEPS, default=2)
    assert level(schedule, t) == expected


def rule(kind, programme_id=2, **fields):
    base = {"date_from": None, "date_to": None, "weekdays": [], "nth": None, "months": []}
    return rule_from_fields(kind=kind, programme_id=programme_id, **(base | fields))


LAST_FRIDAY = rule("nth_weekday", weekdays=[4], nth=-1)
SECOND_MONDAY = rule("nth_weekday", 3, weekdays=[0], nth=2)
WEEKENDS = rule("weekdays", weekdays=[5, 6])
CHRISTMAS = rule("date_range", 3, date_from=date(2026, 12, 24), date_to=date(2026, 12, 26))
BONFIRE = rule("date", 3, date_from=date(2026, 11, 5))


@pytest.mark.parametrize(
    ("rules", "night", "expected"),
    [
        ([LAST_FRIDAY], date(2026, 11, 27), 2),  # the last Friday of November
        ([LAST_FRIDAY], date(2026, 11, 20), 1),  # a Friday, not the last: default
        ([LAST_FRIDAY], date(2026, 10, 30), 2),
        ([LAST_FRIDAY], date(2026, 10, 23), 1),
        ([SECOND_MONDAY], date(2026, 11, 9), 3),
        ([SECOND_MONDAY], date(2026, 11, 2), 1),
        ([WEEKENDS], date(2026, 11, 21), 2),
        ([WEEKENDS], date(2026, 11, 23), 1),
        ([CHRISTMAS, WEEKENDS], date(2026, 12, 26), 3),  # first match wins (a Saturday)
        ([WEEKENDS, CHRISTMAS], date(2026, 12, 26), 2),
        ([CHRISTMAS], date(2026, 12, 27), 1),
        ([BONFIRE], date(2026, 11, 5), 3),
        ([rule("weekdays", weekdays=[4], months=[12])], date(2026, 11, 27), 1),
        ([rule("weekdays", weekdays=[4], months=[12])], date(2026, 12, 4), 2),
    ],
)
def test_calendar_rules_first_match_wins_else_default(rules, night, expected):
    calendar = CalendarSpec(1, "c", tuple(rules), 1)
    assert calendar_pick(calendar, night)[0] == expected


def test_a_lighting_night_runs_noon_to_noon_so_saturday_2am_is_still_friday_night():
    # The last Friday of November 2026 is the 27th; its rule switches off at midnight.
    schedule = schedule_of(RESIDENTIAL_STEPS, rules=[LAST_FRIDAY])
    assert level(schedule, utc(2026, 11, 28, 2, 0)) == 0  # Saturday 02:00: Friday's part-night
    assert level(schedule, utc(2026, 11, 28, 13, 0)) == 0  # Saturday afternoon
    assert level(schedule, utc(2026, 11, 28, 23, 30)) == 60  # Saturday night: default again
    explained = schedule.level_at(7, utc(2026, 11, 28, 2, 0), *LONDON)
    assert explained.night == date(2026, 11, 27)
    assert explained.programme.name == "Part-night"


def test_spring_clock_change_fixed_steps_follow_the_wall_clock():
    # UK: 29 March 2026 01:00 GMT → 02:00 BST. The night of Saturday 28 March.
    timed = step_instants(parse_steps(RESIDENTIAL_STEPS), date(2026, 3, 28), *LONDON)
    at = {ts.index: ts.at for ts in timed}
    assert at[1] == utc(2026, 3, 28, 23, 0)  # 23:00 GMT
    # 01:00 does not exist that morning: the step happens when the clock jumps (02:00 BST)
    assert at[2] == utc(2026, 3, 29, 1, 0)
    assert at[3] == utc(2026, 3, 29, 4, 30)  # 05:30 BST
    assert at[3].astimezone(ZoneInfo("Europe/London")).hour == 5


def test_autumn_clock_change_fixed_steps_follow_the_wall_clock():
    # UK: 25 October 2026 02:00 BST → 01:00 GMT; 01:00 happens twice: the first one counts.
    timed = step_instants(parse_steps(RESIDENTIAL_STEPS), date(2026, 10, 24), *LONDON)
    at = {ts.index: ts.at for ts in timed}
    assert at[1] == utc(2026, 10, 24, 22, 0)  # 23:00 BST
    assert at[2] == utc(2026, 10, 25, 0, 0)  # 01:00 BST, the first 01:00
    assert at[3] == utc(2026, 10, 25, 5, 30)  # 05:30 GMT
    schedule = schedule_of(RESIDENTIAL_STEPS)
    assert level(schedule, utc(2026, 10, 25, 1, 30)) == 30  # the second 01:30: still 30 %


def test_sun_times_across_the_clock_change_stay_in_utc():
    before = sun_times(date(2026, 3, 28), *LONDON)
    after = sun_times(date(2026, 3, 29), *LONDON)
    # sunset moves by about two minutes a day, not by the hour the clocks move
    assert abs((after.sunset - before.sunset) - timedelta(days=1)) < timedelta(minutes=5)


def test_polar_day_keeps_a_dusk_to_dawn_programme_off_without_crashing():
    schedule = schedule_of(RESIDENTIAL_STEPS)
    midsummer = sun_times(date(2026, 6, 21), *TROMSO)
    assert midsummer.sunset is None and midsummer.polar == "day"
    for hour in (10, 18, 22):  # midnight sun: local noon to the next noon, UTC+2
        assert level(schedule, utc(2026, 6, 21, hour, 0), TROMSO) == 0


def test_polar_night_keeps_the_lights_on_without_crashing():
    schedule = schedule_of(RESIDENTIAL_STEPS)
    assert sun_times(date(2026, 12, 20), *TROMSO).polar == "night"
    assert level(schedule, utc(2026, 12, 20, 12, 0), TROMSO) == 100  # sunset at the night's start
    assert level(schedule, utc(2026, 12, 20, 23, 0), TROMSO) == 60  # 00:00 local: from 23:00
    assert level(schedule, utc(2026, 12, 21, 1, 0), TROMSO) == 30  # 02:00 local
    assert level(schedule, utc(2026, 12, 21, 9, 0), TROMSO) == 100  # no sunrise: stays lit


def test_civil_dusk_programmes_work_where_the_sun_sets_but_dusk_never_ends():
    schedule = schedule_of(RESIDENTIAL_STEPS, default=3)
    assert level(schedule, utc(2026, 6, 21, 22, 0), TROMSO) == 0  # no dusk in midsummer
    assert level(schedule, utc(2026, 12, 20, 14, 0), TROMSO) == 100  # civil dusk in midwinter


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"trigger": "noon", "level": 10}], "trigger"),
        ([{"trigger": "sunset", "level": 101}], "level"),
        ([{"trigger": "time", "time": "25:00", "level": 10}], "HH:MM"),
        ([{"trigger": "sunset", "offset_min": 1.5, "level": 10}], "offset"),
        ("sunset", "list"),
    ],
)
def test_invalid_steps_are_refused_naming_the_problem(steps, message):
    with pytest.raises(ScheduleError, match=message):
        parse_steps(steps)


LAST_FRIDAY_OF_NOVEMBER = rule("nth_weekday", 3, weekdays=[4], nth=-1, months=[11])
BONFIRE_EVERY_YEAR = rule("yearly", 3, date_from=date(2026, 11, 5))
NEW_YEAR_EVERY_YEAR = rule("yearly", 3, date_from=date(2026, 12, 31), date_to=date(2027, 1, 1))


@pytest.mark.parametrize(
    ("rules", "night", "expected"),
    [
        ([LAST_FRIDAY_OF_NOVEMBER], date(2026, 11, 27), 3),  # the last Friday of November 2026
        ([LAST_FRIDAY_OF_NOVEMBER], date(2027, 11, 26), 3),  # and of 2027
        ([LAST_FRIDAY_OF_NOVEMBER], date(2026, 11, 20), 1),  # a Friday, not the last
        ([LAST_FRIDAY_OF_NOVEMBER], date(2026, 10, 30), 1),  # the last Friday of October
        ([BONFIRE_EVERY_YEAR], date(2026, 11, 5), 3),
        ([BONFIRE_EVERY_YEAR], date(2031, 11, 5), 3),  # every year, whatever its year
        ([BONFIRE_EVERY_YEAR], date(2031, 11, 6), 1),
        ([NEW_YEAR_EVERY_YEAR], date(2029, 12, 31), 3),  # a span over the new year
        ([NEW_YEAR_EVERY_YEAR], date(2030, 1, 1), 3),
        ([NEW_YEAR_EVERY_YEAR], date(2030, 1, 2), 1),
        ([rule("yearly", 3, date_from=date(2028, 2, 29))], date(2027, 2, 28), 3),
    ],
)
def test_a_rule_can_repeat_every_year(rules, night, expected):
    calendar = CalendarSpec(7, "Streets", tuple(rules), 1)
    assert calendar_pick(calendar, night)[0] == expected


def test_yearly_rules_are_described_in_words():
    assert LAST_FRIDAY_OF_NOVEMBER.describe() == "the last Fri of Nov"
    assert BONFIRE_EVERY_YEAR.describe() == "every year on 05 Nov"
    assert NEW_YEAR_EVERY_YEAR.describe() == "every year from 31 Dec to 01 Jan"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"kind": "date_range", "date_from": date(2026, 12, 26), "date_to": date(2026, 12, 24)},
            "date_to",
            "The end date is before the start.",
        ),
        (
            {"kind": "date_range", "date_from": date(2026, 12, 26)},
            "date_to",
            "Choose the end date.",
        ),
        ({"kind": "date"}, "date_from", "Choose the date."),
        ({"kind": "yearly"}, "date_from", "Choose the start date."),
        ({"kind": "weekdays"}, "weekdays", "Choose at least one weekday."),
        ({"kind": "nth_weekday", "weekdays": [4], "nth": 9}, "nth", "Choose which one: the 1st"),
        ({"kind": "weekdays", "weekdays": [7]}, "weekdays", "Weekdays go from 0 (Monday)"),
    ],
)
def test_calendar_rule_problems_are_said_in_words(fields, field, message):
    with pytest.raises(ScheduleError) as caught:
        rule(**fields)
    assert str(caught.value).startswith(message) and caught.value.field == field
    assert "_" not in str(caught.value)  # no field names such as date_to


def test_the_schedule_says_a_sun_step_in_the_site_time_zone():
    """Sunset at 16:04 UTC in November is 16:04 GMT; at 20:05 UTC in July, 21:05 BST."""
    schedule = schedule_of(RESIDENTIAL_STEPS)
    winter = schedule.level_at(7, utc(2026, 11, 20, 17, 0), *LONDON).describe()
    assert winter == (
        "programme 'Residential' (default of calendar 'Streets'): 100 % from sunset at 16:04 GMT"
    )
    summer = schedule.level_at(7, utc(2026, 7, 20, 21, 30), *LONDON).describe()
    assert summer.endswith("100 % from sunset at 21:05 BST")
