"""The simulated city: from the registry, `manage.py simulate`, and the demo's service."""

import asyncio
import os
import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from paho.mqtt.enums import CallbackAPIVersion

from cityplatform.embedded import DemoContext
from cityplatform.mqtt import mqtt_address
from devices.choices import AssetKind, ControlProtocol, LifecycleStatus
from devices.models import (
    Asset,
    CameraDetails,
    ControllerDetails,
    SensorDetails,
    StreetlightDetails,
)
from devices.protocols.opcua import OpcUaControllerSession
from devices.simulators.city import city_from_registry
from devices.simulators.embedded import run_simulators

pytestmark = pytest.mark.slow

MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")


class Watcher:
    def __init__(self, topic: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        host, port = mqtt_address(MQTT_URL)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-{uuid.uuid4().hex[:10]}",
        )
        ready = threading.Event()
        self.client.on_subscribe = lambda *a, **k: ready.set()
        self.client.on_message = self._on_message
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert ready.wait(5)

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.messages.append((message.topic, message.payload))

    def topics(self) -> set[str]:
        with self.lock:
            return {t for t, _p in self.messages}

    def close(self) -> None:
        last = None
        for topic in {t for t in self.topics() if t.endswith("/status")}:
            last = self.client.publish(topic, b"", qos=1, retain=True)  # clear retained
        if last is not None:
            last.wait_for_publish(5)
        self.client.loop_stop()
        self.client.disconnect()


def make_asset(device_id: str, kind: str, **kwargs) -> Asset:
    return Asset.objects.create(
        device_id=device_id, kind=kind, latitude=51.515, longitude=-0.092, **kwargs
    )


def make_city(endpoint: str) -> None:
    controller = make_asset("CTRL-A", AssetKind.CONTROLLER)
    ControllerDetails.objects.create(
        asset=controller, protocol=ControlProtocol.OPCUA, endpoint_url=endpoint
    )
    for device_id, protocol, status in (
        ("SL-M1", ControlProtocol.MQTT, LifecycleStatus.ACTIVE),
        ("SL-M2", ControlProtocol.MQTT, LifecycleStatus.FAULTY),
        ("SL-GONE", ControlProtocol.MQTT, LifecycleStatus.DECOMMISSIONED),
        ("SL-O1", ControlProtocol.OPCUA, LifecycleStatus.ACTIVE),
        ("SL-O2", ControlProtocol.OPCUA, LifecycleStatus.ACTIVE),
    ):
        light = make_asset(device_id, AssetKind.STREETLIGHT, status=status)
        StreetlightDetails.objects.create(
            asset=light,
            protocol=protocol,
            rated_power_w=45,
            controller=controller if protocol == ControlProtocol.OPCUA else None,
        )
    camera = make_asset("CAM-A", AssetKind.CAMERA)
    CameraDetails.objects.create(
        asset=camera, analytics_allowlist=["intrusion", "loitering"], frigate_camera="gate"
    )
    for device_id, measures in (("LUX-A", "lux"), ("FOOT-A", "footfall")):
        SensorDetails.objects.create(
            asset=make_asset(device_id, AssetKind.SENSOR), measures=measures
        )


def make_city_in_thread(endpoint: str) -> None:
    try:
        make_city(endpoint)
    finally:
        connections.close_all()  # this thread's connection must not outlive the test


@pytest.mark.django_db
def test_the_registry_city_simulates_each_asset_in_service_by_its_protocol():
    make_city("opc.tcp://127.0.0.1:4899/city/")

    city = city_from_registry()

    assert [lamp.device_id for lamp in city.lamps] == ["SL-M1", "SL-M2"]  # not decommissioned
    assert {lamp.rated_w for lamp in city.lamps} == {45}
    (controller,) = city.controllers
    assert controller.endpoint_url == "opc.tcp://127.0.0.1:4899/city/"
    assert controller.luminaires == {"SL-O1": 45, "SL-O2": 45}
    (camera,) = city.cameras
    assert camera.event_types == ("intrusion", "loitering")
    assert camera.frigate_camera == "gate"
    assert [s.device_id for s in city.sensors] == ["LUX-A"]  # no contract metric for footfall


def test_simulate_runs_for_its_duration_and_prints_a_summary(capsys):
    prefix = f"test-sims/{uuid.uuid4().hex[:12]}"
    watcher = Watcher(f"{prefix}/#")
    try:
        call_command(
            "simulate",
            "--lamps=5",
            "--sensors=1",
            "--telemetry-interval=0.5",
            "--sensor-interval=0.5",
            f"--prefix={prefix}",
            f"--broker={MQTT_URL}",
            "--duration=2",
            "--progress-every=1",
        )
    finally:
        watcher.close()
    out = capsys.readouterr().out
    assert "Simulating 5 MQTT lamps" in out
    assert "stopped after" in out
    assert f"{prefix}/SIM-SL-00001/telemetry" in watcher.topics()
    assert f"{prefix}/SIM-LUX-001/telemetry" in watcher.topics()


@pytest.mark.parametrize(
    "arguments",
    [["--lamps=1", "--drop-acks=1.5"], ["--lamps=1", "--garbage=-1"], []],
    ids=["ratio above 1", "negative ratio", "nothing to simulate"],
)
def test_simulate_refuses_bad_options(arguments):
    with pytest.raises(CommandError):
        call_command("simulate", *arguments, "--duration=1")


async def test_the_demo_service_does_nothing_without_simulators():
    ctx = DemoContext(host="127.0.0.1", port=0)
    ctx.options["simulators"] = False
    await asyncio.wait_for(run_simulators(ctx), 5)


@pytest.mark.django_db(transaction=True)
async def test_the_demo_service_brings_the_registry_city_to_life(free_port, settings):
    endpoint = f"opc.tcp://127.0.0.1:{free_port}/city/"
    prefix = f"test-sims/{uuid.uuid4().hex[:12]}"
    settings.MQTT_URL = MQTT_URL
    settings.MQTT_TOPIC_PREFIX = prefix
    settings.FRIGATE_TOPIC = f"{prefix}-frigate/events"
    await asyncio.to_thread(make_city_in_thread, endpoint)
    watcher = await asyncio.to_thread(Watcher, f"{prefix}/#")
    ctx = DemoContext(host="127.0.0.1", port=0)
    ctx.options["simulators"] = True
    service = asyncio.create_task(run_simulators(ctx))
    readings = []

    async def on_reading(reading):
        readings.append(reading)

    session = OpcUaControllerSession(
        controller_device_id="CTRL-A",
        endpoint_url=endpoint,
        luminaires=["SL-O1", "SL-O2"],
        on_reading=on_reading,
        backoff_initial_s=0.2,
        backoff_max_s=1,
    )
    client = asyncio.create_task(session.run())
    try:
        for _ in range(300):
            online = {f"{prefix}/SL-M1/status", f"{prefix}/SL-M2/status"} <= watcher.topics()
            if online and {r.device_id for r in readings} == {"SL-O1", "SL-O2"}:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the demo city did not come to life")
        assert f"{prefix}/SL-GONE/status" not in watcher.topics()
    finally:
        client.cancel()
        await asyncio.gather(client, return_exceptions=True)
        ctx.stop.set()
        await asyncio.wait_for(service, 15)
        await asyncio.to_thread(watcher.close)
    statuses = [p for t, p in watcher.messages if t == f"{prefix}/SL-M1/status" and p]
    assert statuses[0] == b"online"
    assert statuses[-1] == b"offline"  # stopping the demo marks the lamps offline
