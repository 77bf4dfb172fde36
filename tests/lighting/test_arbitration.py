"""Override arbitration on the pure core: priorities, set/max/min, expiry, floor and limits."""

from datetime import UTC, datetime, timedelta

import pytest

from lighting.core.arbitration import Limits, OverrideSpec, arbitrate
from tests.lighting.conftest import utc

T = utc(2026, 11, 20, 23, 30)


def ov(id, op, level, priority, *, start=-60, expires=60):
    return OverrideSpec(
        id=id,
        level=level,
        operation=op,
        priority=priority,
        starts_at=T + timedelta(minutes=start),
        expires_at=None if expires is None else T + timedelta(minutes=expires),
    )


BOOST = ov(17, "max", 100, 4)
OPERATOR_DIM = ov(20, "set", 30, 8)
CURFEW_CAP = ov(21, "min", 40, 12)
LOW_BOOST = ov(22, "max", 100, 12)
EMERGENCY = ov(1, "set", 100, 1, expires=None)
EXPIRED_BOOST = ov(23, "max", 100, 4, expires=-1)
FUTURE_BOOST = ov(24, "max", 100, 4, start=5)
SOFT_BOOST = ov(25, "max", 50, 4)


@pytest.mark.parametrize(
    ("scheduled", "overrides", "level", "winner"),
    [
        (60, [], 60, None),
        (60, [BOOST], 100, 17),  # a security boost raises
        (100, [SOFT_BOOST], 100, None),  # a max never dims: the programme keeps deciding
        (60, [BOOST, OPERATOR_DIM], 100, 17),  # priority 4 beats 8
        (60, [OPERATOR_DIM, LOW_BOOST], 30, 20),  # priority 8 set beats a priority 12 max
        (60, [CURFEW_CAP], 40, 21),  # min caps
        (30, [CURFEW_CAP], 30, None),  # a cap above the level changes nothing
        (0, [OPERATOR_DIM, BOOST, EMERGENCY], 100, 1),  # emergency wins everything
        (60, [EXPIRED_BOOST], 60, None),  # expired: ignored without waiting for the sweep
        (60, [FUTURE_BOOST], 60, None),  # not started yet
        (60, [BOOST, EXPIRED_BOOST, FUTURE_BOOST], 100, 17),
    ],
)
def test_overrides_combine_by_priority_and_operation(scheduled, overrides, level, winner):
    result = arbitrate(scheduled, overrides, T, Limits())
    assert result.level == level
    assert (result.winner.id if result.winner else None) == winner


def test_equal_priority_the_newer_override_has_the_last_word():
    older = ov(30, "set", 20, 8, start=-30)
    newer = ov(31, "set", 70, 8, start=-5)
    assert arbitrate(60, [newer, older], T, Limits()).level == 70


@pytest.mark.parametrize(
    ("scheduled", "overrides", "limits", "level", "clamped_by"),
    [
        (20, [], Limits(zone_floor=30), 30, "zone floor"),  # dimmed no lower than the class
        (0, [], Limits(zone_floor=30), 0, ""),  # part-night switch-off stays off
        (60, [ov(40, "set", 10, 8)], Limits(zone_floor=30), 30, "zone floor"),
        (20, [], Limits(zone_floor=10, lamp_min=25), 25, "lamp minimum"),
        (100, [EMERGENCY], Limits(lamp_max=80), 80, "lamp maximum"),
    ],
)
def test_zone_floor_and_lamp_limits_clamp_lit_levels(
    scheduled, overrides, limits, level, clamped_by
):
    result = arbitrate(scheduled, overrides, T, limits)
    assert (result.level, result.clamped_by) == (level, clamped_by)


def test_the_explanation_names_the_alarm_and_the_expiry():
    boost = OverrideSpec(17, 100, "max", 4, T, T + timedelta(minutes=14), alarm_id=88)
    assert boost.describe(tz_name="Europe/London") == (
        "an override raising the light to at least 100 % (priority 4), by alarm #88, "
        "until 20 Nov 2026, 23:44 GMT"
    )
    summer = OverrideSpec(3, 30, "min", 8, T, datetime(2026, 7, 20, 23, 30, tzinfo=UTC))
    assert summer.describe(tz_name="Europe/London") == (
        "an override capping the light at 30 % (priority 8), until 21 Jul 2026, 00:30 BST"
    )
