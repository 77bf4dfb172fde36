"""The real path of a sensor threshold: a flood gauge's `level_cm` published on Mosquitto, stored
by the gateway, judged by the beat task: one alarm in the security queue (not one per run), on
the gauge's zone, cleared when the level falls back under the clear level."""

from datetime import UTC, datetime, timedelta

import pytest

from cctv.choices import AlarmCategory, AlarmState
from cctv.models import Alarm
from devices.models import Telemetry
from emergency.models import ThresholdRule
from emergency.tasks import thresholds_judge_sweep
from tests.devices.gateway_helpers import (  # noqa: F401 (fixtures)
    gateway,
    peer,
    prefix,
    schema_validate,
    wait_for,
)
from tests.devices.registry_factories import make_sensor

pytestmark = pytest.mark.django_db(transaction=True)


def publish_levels(peer, prefix, device_id, start, levels):  # noqa: F811
    for i, level in enumerate(levels):
        ts = (start + timedelta(minutes=i)).isoformat()
        payload = {"ts": ts, "level_cm": level}
        schema_validate("telemetry", payload)
        peer.publish(f"{prefix}/{device_id}/telemetry", payload)


def test_a_rising_river_raises_one_alarm_and_clears_it(wards, gateway, peer, prefix):  # noqa: F811
    gauge = make_sensor(
        "FG-T01", 51.5160, -0.0930, name="River gauge", details={"measures": "flood_level"}
    )
    ThresholdRule.objects.create(
        name="River high", measures="flood_level", metric="level_cm", kind="above",
        level=150, clear_level=140, for_s=60, priority=10,
    )  # fmt: skip
    start = datetime.now(UTC) - timedelta(minutes=40)
    # 120 → 158 cm, one sample a minute; it wavers 148–152 around the level on the way
    levels = [120 + i for i in range(28)] + [151, 149, 152, 148, 153, 155, 158]
    publish_levels(peer, prefix, "FG-T01", start, levels)
    wait_for(
        lambda: Telemetry.objects.filter(asset=gauge).count() == len(levels), what="the samples"
    )
    assert Telemetry.objects.filter(asset=gauge).latest("ts").level_cm == 158

    thresholds_judge_sweep()
    thresholds_judge_sweep()  # a second run with nothing new raises nothing more
    alarms = Alarm.objects.filter(category=AlarmCategory.EMERGENCY)
    assert alarms.count() == 1
    alarm = alarms.get()
    assert alarm.state != AlarmState.CLOSED and alarm.priority == 10
    assert alarm.title.startswith("River gauge FG-T01: water level")
    assert "rising" in alarm.title and alarm.zone_id == gauge.zone_id is not None

    # falling: 145 is under the level but not the clear level; 139 and 135 for a minute are
    falling = start + timedelta(minutes=len(levels))
    publish_levels(peer, prefix, "FG-T01", falling, [145, 142, 139, 135])
    wait_for(
        lambda: Telemetry.objects.filter(asset=gauge).count() == len(levels) + 4,
        what="the falling samples",
    )
    thresholds_judge_sweep()
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLOSED
    assert Alarm.objects.filter(category=AlarmCategory.EMERGENCY).count() == 1


def test_an_old_message_without_the_new_metrics_is_still_stored(gateway, peer, prefix):  # noqa: F811
    gauge = make_sensor("FG-T02", 51.5160, -0.0930, details={"measures": "flood_level"})
    peer.publish(f"{prefix}/FG-T02/telemetry", {"ts": datetime.now(UTC).isoformat(), "lux": 3})
    peer.publish(
        f"{prefix}/FG-T02/telemetry", {"ts": datetime.now(UTC).isoformat(), "level_cm": 20000}
    )
    wait_for(lambda: gateway.stats.stored >= 1, what="the old message")
    wait_for(lambda: Telemetry.objects.filter(asset=gauge).exists(), what="the old sample")
    from devices.models import RejectedMessage  # deferred: only this test reads it

    wait_for(
        lambda: RejectedMessage.objects.filter(reason__contains="level_cm").exists(),
        what="the out-of-range level refused",
    )
