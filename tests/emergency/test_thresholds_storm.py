"""The simulated storm end to end: a river gauge simulated on a real Mosquitto, stored by the real
gateway, judged by the beat task with the demo's flood rules: each rule raises one alarm on the
gauge's ward while the river rises and clears it (hysteresis) once it has fallen back.

Time is driven: the simulator's clock runs 150 times faster than real time from 45 minutes ago,
so the readings carry the times of 44 minutes of a storm while the test lasts about 20 s (the
rules judge by the readings' own times)."""

import asyncio
import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from cctv.choices import AlarmCategory, AlarmState
from cctv.models import Alarm
from cityplatform.models import AuditEntry
from devices.models import Telemetry
from devices.simulators.mqtt_devices import MqttCitySimulation, SensorSpec, SimOptions
from devices.simulators.river import STORM_RISE_S, base_level_cm
from emergency.demo import thresholds_if_missing
from emergency.models import ThresholdRule
from emergency.tasks import thresholds_judge_sweep
from tests.devices.gateway_helpers import gateway, peer, prefix, wait_for  # noqa: F401 (fixtures)
from tests.devices.registry_factories import make_sensor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SPEED = 150.0


class FastClock:
    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed, self.t0 = start, speed, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.t0) * self.speed)


class Running:
    """A simulation on its own event loop in a thread, until stopped."""

    def __init__(self, sim: MqttCitySimulation) -> None:
        self.loop = asyncio.new_event_loop()
        self.stop_event = asyncio.Event()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(sim.run(self.stop_event),), daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(15)
        self.loop.close()


def test_a_simulated_storm_raises_the_flood_alarms_and_they_clear_when_the_river_falls(
    wards,
    gateway,  # noqa: F811
    peer,  # noqa: F811
    prefix,  # noqa: F811
):
    # Given the demo's flood rules and a river gauge at Queenhithe (its base level 115.5 cm: the
    # storm's high water is over by 34 minutes at any tide, well within the run)
    gauge = make_sensor(
        "FG-T42", 51.50970, -0.09450, name="River gauge", details={"measures": "flood_level"}
    )
    assert base_level_cm("FG-T42") < 116
    gateway._refresh_known(force=True)
    thresholds_if_missing(stdout=io.StringIO())
    now = datetime.now(UTC)
    clock = FastClock(now - timedelta(minutes=45), SPEED)
    sim = MqttCitySimulation(
        sensors=[SensorSpec("FG-T42", "flood_level")],
        options=SimOptions(
            broker_url=settings.MQTT_URL,
            prefix=prefix,
            sensor_interval_s=0.1,  # a reading every 15 s of the storm's time
            event_rate_per_s=0,
            storm_after_s=300,  # the storm sets in 40 minutes ago
            clock=clock,
            seed=18,
        ),
    )
    # When the storm runs, the beat judging the readings as they come
    running = Running(sim)
    open_during_storm = set()
    try:
        while clock() < now - timedelta(minutes=1):
            time.sleep(0.5)
            thresholds_judge_sweep()
            open_during_storm |= set(
                Alarm.objects.filter(category=AlarmCategory.EMERGENCY)
                .exclude(state=AlarmState.CLOSED)
                .values_list("title", flat=True)
            )
    finally:
        running.stop()
        peer.publish(f"{prefix}/FG-T42/status", b"", retain=True)  # no retained status left
    sent = sim.stats["telemetry"]
    wait_for(lambda: Telemetry.objects.filter(asset=gauge).count() >= sent, what="every reading")
    thresholds_judge_sweep()

    # Then each rule raised one alarm on the gauge's ward while the river rose
    storm_at = sim.readings.storm_at
    alarms = Alarm.objects.filter(category=AlarmCategory.EMERGENCY)
    assert alarms.count() == 2, list(alarms.values_list("title", flat=True))
    raised = {
        int(entry.target_id): entry.details["alarm"]
        for entry in AuditEntry.objects.filter(action="emergency.threshold_raised")
    }
    rules = dict(ThresholdRule.objects.values_list("kind", "pk"))
    rising = alarms.get(pk=raised[rules["rise"]])
    assert rising.title.startswith("River gauge FG-T42: water level")
    assert "rising" in rising.title
    assert storm_at < rising.last_event_at <= storm_at + timedelta(seconds=STORM_RISE_S)
    assert {a.zone_id for a in alarms} == {gauge.zone_id} and gauge.zone.name == "Queenhithe"
    assert len(open_during_storm) == 2  # both stood in the queue during the storm

    # and both cleared once the river fell back past the clear levels (not merely the levels)
    assert set(alarms.values_list("state", flat=True)) == {AlarmState.CLOSED}
    cleared = AuditEntry.objects.filter(action="emergency.threshold_cleared")
    assert cleared.count() == 2
    high = cleared.get(target_id=str(rules["above"]))
    assert high.details["value"] < 140
