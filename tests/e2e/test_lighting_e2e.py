"""End to end: the gateway on Mosquitto, simulated MQTT lamps and an asyncua controller. An
override changes what the simulated lamps report; its expiry restores the programme's level.

Needs the gateway (devices.gateway) and the simulators (devices.simulators); skipped
where they are not installed yet.
"""

import asyncio
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

gateway_module = pytest.importorskip("devices.gateway")
mqtt_devices = pytest.importorskip("devices.simulators.mqtt_devices")
opcua_server = pytest.importorskip("devices.simulators.opcua_server")
helpers = pytest.importorskip("tests.devices.gateway_helpers")

from devices.choices import AssetKind, ControlProtocol  # noqa: E402
from devices.models import Asset, AssetState, ControllerDetails, StreetlightDetails, Zone  # noqa: E402
from lighting.models import Calendar, CalendarAssignment, Programme  # noqa: E402
from lighting.services.override_boundaries import overrides_sweep  # noqa: E402
from lighting.services.overrides import OverrideScope, override_create  # noqa: E402
from lighting.services.reconcile import reconcile_lights  # noqa: E402

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MQTT_LAMPS = ("E2E-SL-1", "E2E-SL-2")
OPCUA_LAMP = "E2E-SL-O1"
PROGRAMME_LEVEL = 40.0  # a programme that gives 40 % at any hour, so the test is timeless


class Background:
    """An asyncio loop in a thread, for the simulators."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def spawn(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def reported(device_id: str) -> float | None:
    return (
        AssetState.objects.filter(asset__device_id=device_id)
        .values_list("level", flat=True)
        .first()
    )


def all_report(level: float) -> bool:
    return all(
        (value := reported(d)) is not None and abs(value - level) <= 0.5
        for d in (*MQTT_LAMPS, OPCUA_LAMP)
    )


@pytest.fixture
def city(free_port):
    zone = Zone.objects.create(name="E2E street", min_level=0)
    programme = Programme.objects.create(
        name="E2E constant", steps=[{"trigger": "time", "time": "12:00", "level": PROGRAMME_LEVEL}]
    )
    calendar = Calendar.objects.create(name="E2E calendar", default_programme=programme)
    CalendarAssignment.objects.create(calendar=calendar, zone=zone)
    endpoint = f"opc.tcp://127.0.0.1:{free_port}/city/"
    cabinet = Asset.objects.create(
        device_id="E2E-CAB-1", kind=AssetKind.CONTROLLER, latitude=51.515, longitude=-0.092
    )
    ControllerDetails.objects.create(
        asset=cabinet, protocol=ControlProtocol.OPCUA, endpoint_url=endpoint
    )
    for device_id in (*MQTT_LAMPS, OPCUA_LAMP):
        asset = Asset.objects.create(
            device_id=device_id,
            kind=AssetKind.STREETLIGHT,
            latitude=51.515,
            longitude=-0.092,
            zone=zone,
        )
        opcua = device_id == OPCUA_LAMP
        StreetlightDetails.objects.create(
            asset=asset,
            controller=cabinet if opcua else None,
            protocol=ControlProtocol.OPCUA if opcua else ControlProtocol.MQTT,
        )
    return zone, endpoint


def test_an_override_changes_what_the_lamps_report_and_its_expiry_restores_the_programme(city):
    zone, endpoint = city
    prefix = helpers.unique_prefix()
    background = Background()
    controller = opcua_server.SimulatedController(
        endpoint, luminaires=[OPCUA_LAMP], delay_s=0.1, fade_s=0.2, initial_level=0
    )
    background.run(controller.start())
    sim = mqtt_devices.MqttCitySimulation(
        lamps=[mqtt_devices.LampSpec(d, level=0) for d in MQTT_LAMPS],
        options=mqtt_devices.SimOptions(
            broker_url=settings.MQTT_URL,
            prefix=prefix,
            telemetry_interval_s=0,
            ack_delay_s=0.05,
            client_id_prefix=f"e2e-{uuid.uuid4().hex[:8]}",
            multiplexed=True,
            connections=1,
        ),
    )
    stop = asyncio.Event()
    running = background.spawn(sim.run(stop))
    assert background.run(sim.wait_connected(15))
    gateway = helpers.start_gateway(
        helpers.gateway_options(prefix, opcua=True, opcua_watchdog_s=10)
    )
    try:
        helpers.wait_for(
            lambda: "E2E-CAB-1" in gateway._opcua_sessions, what="the controller session"
        )
        # Given the programme at 40 %: the reconcile commands it and the lamps report it.
        assert reconcile_lights().changed == 3
        helpers.wait_for(lambda: all_report(PROGRAMME_LEVEL), timeout=30, what="40 % reported")

        # When a security boost starts, every lamp reports 100 %.
        now = timezone.now()
        override = override_create(
            scope=OverrideScope(zone_id=zone.pk),
            level=100,
            operation="max",
            priority=4,
            expires_at=now + timedelta(seconds=4),
            reason="e2e: intrusion",
            actor="alarm #1",
            alarm_id=1,
            now=now,
        )
        helpers.wait_for(lambda: all_report(100), timeout=30, what="100 % reported")
        assert controller.level(OPCUA_LAMP) == pytest.approx(100, abs=0.5)

        # Then, once it expires (the sweep runs, as the beat would), the programme is back.
        while timezone.now() < override.expires_at:
            time.sleep(0.2)
        assert overrides_sweep()["ended"] == 1
        helpers.wait_for(lambda: all_report(PROGRAMME_LEVEL), timeout=30, what="40 % again")
        assert reconcile_lights().issued == 0  # nothing left to do
    finally:
        gateway.stop()
        helpers.forget_session(gateway.options.client_id)
        background.loop.call_soon_threadsafe(stop.set)
        try:
            running.result(15)
        finally:
            background.run(controller.stop())
            background.close()
