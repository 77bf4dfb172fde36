"""The MQTT device simulators on a real Mosquitto (each test under its own topic prefix)."""

import asyncio
import contextlib
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from cityplatform.mqtt import mqtt_address
from devices.simulators.mqtt_devices import (
    CameraSpec,
    LampSpec,
    MqttCitySimulation,
    SensorSpec,
    SimOptions,
)
from devices.simulators.physics import daylight_lux, led_power_w

pytestmark = pytest.mark.slow

MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def _hand_check(kind: str, payload: dict) -> None:
    """The contract by hand, where the published schemas are not in this tree."""
    assert isinstance(payload, dict)
    ts = payload.get("ts")
    if kind != "frigate-event":
        assert ts is None or datetime.fromisoformat(ts).tzinfo is not None
    if kind == "telemetry":
        metrics = {"level", "power_w", "energy_wh", "lux", "temp_c"} & payload.keys()
        assert metrics and ts
        assert 0 <= payload.get("level", 0) <= 100
        assert all(payload.get(m, 0) >= 0 for m in ("power_w", "energy_wh", "lux"))
    elif kind == "ack":
        assert payload["id"] and payload["status"] in ("ok", "error")
        assert 0 <= payload.get("level", 0) <= 100
    elif kind == "event":
        assert payload["id"] and payload["type"] and ts
        assert 0 <= payload.get("confidence", 0) <= 1
    elif kind == "frigate-event":
        assert payload["type"] in ("new", "update", "end")
        for key in ("id", "camera", "label", "start_time"):
            assert payload["after"][key]


def contract_valid(kind: str, payload: dict) -> None:
    schema_file = SCHEMAS / f"{kind}.json"
    if schema_file.exists():
        schema = json.loads(schema_file.read_text())
        jsonschema.validate(payload, schema, format_checker=jsonschema.FormatChecker())
    _hand_check(kind, payload)


class Broker:
    """A test client on the real broker: records everything under the prefix, sends commands."""

    def __init__(self, prefix: str, extra_topics: tuple[str, ...] = ()) -> None:
        self.prefix = prefix
        self.messages: list[tuple[str, bytes, bool]] = []
        self.lock = threading.Lock()
        host, port = mqtt_address(MQTT_URL)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-{uuid.uuid4().hex[:10]}",
        )
        self.client.on_message = self._on_message
        ready = threading.Event()
        self.client.on_subscribe = lambda *a, **k: ready.set()
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe([(f"{prefix}/#", 1), *((t, 1) for t in extra_topics)])
        assert ready.wait(5)

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.messages.append((message.topic, message.payload, message.retain))

    def of(self, device_id: str, kind: str) -> list[bytes]:
        topic = f"{self.prefix}/{device_id}/{kind}"
        with self.lock:
            return [p for t, p, _r in self.messages if t == topic]

    def json_of(self, device_id: str, kind: str) -> list[dict]:
        return [json.loads(p) for p in self.of(device_id, kind)]

    def on_topic(self, topic: str) -> list[dict]:
        with self.lock:
            return [json.loads(p) for t, p, _r in self.messages if t == topic]

    def command(self, device_id: str, level: float, **extra) -> str:
        command_id = str(uuid.uuid4())
        body = {"id": command_id, "op": "set_level", "level": level, **extra}
        self.client.publish(f"{self.prefix}/{device_id}/cmd", json.dumps(body), qos=1)
        return command_id

    def close(self) -> None:
        """Clears the retained statuses the simulators left, then disconnects."""
        with self.lock:
            topics = {t for t, _p, _r in self.messages if t.endswith("/status")}
        last = None
        for topic in topics:
            last = self.client.publish(topic, b"", qos=1, retain=True)
        if last is not None:
            last.wait_for_publish(5)
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def prefix() -> str:
    return f"test-sims/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def broker(prefix):
    watcher = Broker(prefix, extra_topics=(f"{prefix}-frigate/events",))
    yield watcher
    watcher.close()


async def eventually(predicate, timeout: float = 15.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def simulating(sim: MqttCitySimulation):
    stop = asyncio.Event()
    task = asyncio.create_task(sim.run(stop))
    try:
        assert await sim.wait_connected(10), "simulator could not connect"
        yield sim
    finally:
        stop.set()
        await task


def options(prefix: str, **kwargs) -> SimOptions:
    values = {"broker_url": MQTT_URL, "prefix": prefix, "event_rate_per_s": 0, "seed": 7}
    values.update(kwargs)
    return SimOptions(**values)


async def test_lamps_publish_contract_valid_telemetry_with_an_accumulating_meter(prefix, broker):
    lamps = [LampSpec("SL-1", rated_w=60, level=100), LampSpec("SL-2", rated_w=30, level=0)]
    sim = MqttCitySimulation(lamps=lamps, options=options(prefix, telemetry_interval_s=0.4))
    async with simulating(sim):
        await eventually(lambda: len(broker.of("SL-1", "telemetry")) >= 4, message="telemetry")

    lit = broker.json_of("SL-1", "telemetry")
    for payload in lit + broker.json_of("SL-2", "telemetry"):
        contract_valid("telemetry", payload)
    assert {p["level"] for p in lit} == {100}
    assert lit[-1]["power_w"] == led_power_w(60, 100)
    assert lit[-1]["energy_wh"] > lit[0]["energy_wh"]  # the meter runs
    assert broker.json_of("SL-2", "telemetry")[-1]["power_w"] < 1  # off: standby only


async def test_a_lamp_acknowledges_a_command_with_its_new_level_and_reports_it(prefix, broker):
    sim = MqttCitySimulation(
        lamps=[LampSpec("SL-1", level=0)],
        options=options(prefix, telemetry_interval_s=0, ack_delay_s=0.1),
    )
    async with simulating(sim):
        command_id = broker.command("SL-1", 40)
        await eventually(lambda: broker.of("SL-1", "ack"), message="the ack")
        await eventually(lambda: broker.of("SL-1", "telemetry"), message="the report")

    ack = broker.json_of("SL-1", "ack")[0]
    contract_valid("ack", ack)
    assert ack["id"] == command_id
    assert ack["status"] == "ok"
    assert ack["level"] == 40
    assert broker.json_of("SL-1", "telemetry")[-1]["level"] == 40


async def test_an_expired_command_is_refused_with_an_error_ack(prefix, broker):
    sim = MqttCitySimulation(
        lamps=[LampSpec("SL-1", level=20)], options=options(prefix, telemetry_interval_s=0)
    )
    async with simulating(sim):
        broker.command("SL-1", 90, expires="2020-01-01T00:00:00+00:00")
        await eventually(lambda: broker.of("SL-1", "ack"), message="the ack")

    ack = broker.json_of("SL-1", "ack")[0]
    assert ack["status"] == "error"
    assert ack["reason"] == "expired"
    assert ack["level"] == 20


async def test_acks_are_dropped_at_the_configured_ratio(prefix, broker):
    sim = MqttCitySimulation(
        lamps=[LampSpec("SL-1", level=0)],
        options=options(prefix, telemetry_interval_s=0, ack_delay_s=0, drop_ack_ratio=0.5),
    )
    commands = 60
    async with simulating(sim):
        for index in range(commands):
            broker.command("SL-1", index % 100)
        await eventually(lambda: sim.stats["commands"] == commands, message="all commands")
        await eventually(
            lambda: len(broker.of("SL-1", "ack")) == sim.stats["acks"], message="acks arrive"
        )

    acked = len(broker.of("SL-1", "ack"))
    assert acked + sim.stats["acks_dropped"] == commands
    assert 15 <= acked <= 45  # half, give or take (binomial, sd ≈ 4)
    # A dropped ack still moved the lamp: its report says so.
    assert broker.json_of("SL-1", "telemetry")[-1]["level"] == (commands - 1) % 100


async def test_the_will_marks_a_lamp_offline_when_its_connection_drops(prefix, broker):
    sim = MqttCitySimulation(
        lamps=[LampSpec("SL-1")], options=options(prefix, telemetry_interval_s=0)
    )
    async with simulating(sim):
        await eventually(lambda: b"online" in broker.of("SL-1", "status"), message="online")
        sim.links[0].drop()
        await eventually(lambda: b"offline" in broker.of("SL-1", "status"), message="the will")
        # paho reconnects by itself and the lamp says it is back.
        await eventually(
            lambda: broker.of("SL-1", "status")[-1] == b"online", message="online again"
        )
    # A clean stop marks it offline too.
    await eventually(lambda: broker.of("SL-1", "status")[-1] == b"offline", message="offline")


async def test_garbage_ratio_replaces_telemetry_with_messages_the_platform_must_reject(
    prefix, broker
):
    sim = MqttCitySimulation(
        lamps=[LampSpec(f"SL-{i}") for i in range(5)],
        options=options(prefix, telemetry_interval_s=0.2, garbage_ratio=1.0),
    )
    async with simulating(sim):
        await eventually(lambda: sim.stats["garbage"] >= 15, message="garbage")

    with broker.lock:
        telemetry = [(t, p) for t, p, _r in broker.messages if t.endswith("/telemetry")]
    assert telemetry
    for topic, payload in telemetry:
        device_id = topic.split("/")[-2]
        try:
            body = json.loads(payload)
        except ValueError:
            continue  # not JSON
        if device_id.startswith("SIM-GHOST-"):
            continue  # an unknown device
        with pytest.raises((AssertionError, jsonschema.ValidationError)):
            contract_valid("telemetry", body)


async def test_cameras_raise_events_of_their_allowed_types_with_unique_ids(prefix, broker):
    cameras = [
        CameraSpec("CAM-1", event_types=("motion", "loitering")),
        CameraSpec("CAM-2", event_types=("intrusion",)),
    ]
    sim = MqttCitySimulation(cameras=cameras, options=options(prefix, event_rate_per_s=30))
    async with simulating(sim):
        await eventually(
            lambda: len(broker.of("CAM-1", "event")) >= 5 and broker.of("CAM-2", "event"),
            message="events",
        )

    first = broker.json_of("CAM-1", "event")
    second = broker.json_of("CAM-2", "event")
    for event in first + second:
        contract_valid("event", event)
    assert {e["type"] for e in first} <= {"motion", "loitering"}
    assert {e["type"] for e in second} == {"intrusion"}
    ids = [e["id"] for e in first]
    assert len(ids) == len(set(ids))


async def test_frigate_mode_publishes_new_update_end_sequences_some_with_a_sub_label(
    prefix, broker
):
    topic = f"{prefix}-frigate/events"
    sim = MqttCitySimulation(
        cameras=[CameraSpec("CAM-9", frigate_camera="front_door")],
        options=options(
            prefix,
            event_rate_per_s=5,
            frigate=True,
            frigate_topic=topic,
            frigate_sub_label_ratio=1.0,
        ),
    )
    async with simulating(sim):
        await eventually(
            lambda: any(m["type"] == "end" for m in broker.on_topic(topic)),
            message="a whole sequence",
        )

    messages = broker.on_topic(topic)
    for message in messages:
        contract_valid("frigate-event", message)
    ended = next(m for m in messages if m["type"] == "end")["after"]["id"]
    sequence = [m for m in messages if m["after"]["id"] == ended]
    phases = [m["type"] for m in sequence]
    assert phases[0] == "new"
    assert phases[-1] == "end"
    assert "update" in phases
    assert {m["after"]["camera"] for m in sequence} == {"front_door"}
    if sequence[0]["after"]["label"] == "person":
        assert any(m["after"]["sub_label"] for m in sequence)
    assert not broker.of("CAM-9", "event")  # Frigate mode: nothing on the device topic


async def test_lux_sensors_report_daylight(prefix, broker):
    sim = MqttCitySimulation(
        sensors=[SensorSpec("LUX-1")], options=options(prefix, sensor_interval_s=0.3)
    )
    async with simulating(sim):
        await eventually(lambda: len(broker.of("LUX-1", "telemetry")) >= 2, message="lux")

    for payload in broker.json_of("LUX-1", "telemetry"):
        contract_valid("telemetry", payload)
        assert payload["lux"] >= 0


def test_daylight_follows_the_sun_in_the_city_of_london():
    latitude, longitude = 51.5155, -0.0922
    noon = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
    dusk = datetime(2026, 6, 21, 20, 30, tzinfo=UTC)
    midnight = datetime(2026, 6, 21, 23, 59, tzinfo=UTC)
    assert daylight_lux(noon, latitude, longitude) > 50_000
    assert 1 < daylight_lux(dusk, latitude, longitude) < 1_000
    assert daylight_lux(midnight, latitude, longitude) <= 1


def test_led_power_has_a_standby_draw_and_rises_with_level():
    assert 0 < led_power_w(60, 0) < 1
    assert led_power_w(60, 10) < led_power_w(60, 50) < led_power_w(60, 100)
    assert led_power_w(60, 100) == pytest.approx(60.5, abs=0.1)
    # Deep dimming saves less than proportionally: the driver's fixed losses remain.
    assert led_power_w(60, 10) > 0.1 * led_power_w(60, 100)


async def test_multiplexed_mode_serves_many_lamps_over_a_few_connections(prefix, broker):
    lamps = [LampSpec(f"SL-{i:04d}", level=50) for i in range(300)]
    sim = MqttCitySimulation(
        lamps=lamps,
        options=options(prefix, telemetry_interval_s=1.0, multiplexed=True, connections=2),
    )
    async with simulating(sim):
        assert len(sim.links) == 2
        await eventually(
            lambda: all(broker.of(lamp.device_id, "telemetry") for lamp in lamps),
            message="telemetry from every lamp",
        )
        command_id = broker.command("SL-0123", 70)
        await eventually(lambda: broker.of("SL-0123", "ack"), message="the ack")
    assert broker.json_of("SL-0123", "ack")[0]["id"] == command_id
    assert all(b"online" in broker.of(lamp.device_id, "status") for lamp in lamps)


async def test_a_lamp_failure_is_raised_as_an_event_and_the_lamp_goes_dark(prefix, broker):
    sim = MqttCitySimulation(
        lamps=[LampSpec("SL-1", level=100)],
        options=options(prefix, telemetry_interval_s=0, ack_delay_s=0),
    )
    async with simulating(sim):
        sim.raise_fault("SL-1", "lamp_failure", for_s=60)
        await eventually(lambda: broker.of("SL-1", "event"), message="the fault event")
        broker.command("SL-1", 80)
        await eventually(lambda: broker.of("SL-1", "ack"), message="the ack")
        await eventually(lambda: broker.of("SL-1", "telemetry"), message="the report")

    event = broker.json_of("SL-1", "event")[0]
    contract_valid("event", event)
    assert event["type"] == "lamp_failure"
    ack = broker.json_of("SL-1", "ack")[0]
    assert (ack["status"], ack["reason"], ack["level"]) == ("error", "lamp_failure", 0)
    report = broker.json_of("SL-1", "telemetry")[-1]
    assert report["level"] == 0
    assert report["power_w"] < 1  # a failed lamp draws standby power only
