"""Registry changes reach a running gateway within seconds, without a restart (issue #14, 5).

A real gateway (in this process), the real broker and Redis (the change notification goes over
the Channels layer, as the commands' nudge does), real asyncua controllers. The gateway's
periodic refresh is left at its production default (60 s), so only the notification can make
these tests pass in time.
"""

import asyncio
import threading
import time
import uuid

import pytest

from cityplatform.roles import Role
from devices.choices import CommandState, ControlProtocol, RejectReason
from devices.events import DeviceEvent, register_event_sink
from devices.events import _sinks as event_sinks
from devices.models import Asset, Command, RejectedMessage, Telemetry
from devices.services.commands import commands_issue
from devices.simulators.opcua_server import SimulatedController
from tests.devices.gateway_helpers import (
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    wait_for,
)
from tests.reliability.services import free_port as free_tcp_port

pytestmark = pytest.mark.django_db(transaction=True)

LAT, LON = 51.5155, -0.0922
# An integrator's camera sends its first event a few seconds after it is registered.
FIRST_EVENT_AFTER_S = 2.0


@pytest.fixture
def events_seen():
    seen: list[DeviceEvent] = []
    register_event_sink(seen.extend)
    yield seen
    event_sinks.remove(seen.extend)


@pytest.fixture
def manager(make_user, api_client):
    return api_client(make_user(Role.ASSET_MANAGER))


@pytest.fixture
def operator(make_user, api_client):
    return api_client(make_user(Role.LIGHTING_OPERATOR))


def frigate_event(camera: str) -> dict:
    event_id = f"{time.time():.6f}-{uuid.uuid4().hex[:6]}"
    after = {
        "id": event_id,
        "camera": camera,
        "label": "person",
        "score": 0.8,
        "top_score": 0.8,
        "current_zones": [],
        "start_time": time.time(),
        "end_time": None,
    }
    return {"type": "new", "before": after, "after": after}


def create(manager, device_id: str, kind: str, details: dict) -> None:
    body = {"device_id": device_id, "kind": kind, "latitude": LAT, "longitude": LON}
    response = manager.post("/api/v1/assets/", {**body, "details": details}, format="json")
    assert response.status_code == 201, response.content


def rejected_unknown(name: str) -> bool:
    return RejectedMessage.objects.filter(
        reason_code=RejectReason.UNKNOWN_DEVICE, reason__contains=name
    ).exists()


# --- devices and Frigate names ------------------------------------------------------------------


def test_a_camera_created_through_the_api_has_its_frigate_event_accepted_seconds_later(
    gateway, peer, prefix, manager, events_seen
):
    frigate_topic = gateway.options.frigate_topic
    # A Frigate camera nobody registered: rejected (and the gateway has just looked again).
    peer.publish(frigate_topic, frigate_event("gate_cam"))
    wait_for(lambda: rejected_unknown("gate_cam"), what="the unknown camera rejected")

    create(manager, "CAM-GATE", "camera", {"frigate_camera": "gate_cam"})
    time.sleep(FIRST_EVENT_AFTER_S)
    peer.publish(frigate_topic, frigate_event("gate_cam"))

    wait_for(lambda: any(e.device_id == "CAM-GATE" for e in events_seen), what="the event accepted")
    assert RejectedMessage.objects.filter(reason__contains="gate_cam").count() == 1  # the first


def test_a_frigate_name_changed_through_the_api_is_used_at_once(
    gateway, peer, prefix, manager, events_seen
):
    create(manager, "CAM-YARD", "camera", {"frigate_camera": "yard_old"})
    wait_for(lambda: gateway.known.frigate.get("yard_old") == "CAM-YARD", what="the camera")
    peer.publish(gateway.options.frigate_topic, frigate_event("yard_new"))
    wait_for(lambda: rejected_unknown("yard_new"), what="the new name rejected while unknown")

    response = manager.patch(
        "/api/v1/assets/CAM-YARD/", {"details": {"frigate_camera": "yard_new"}}, format="json"
    )
    assert response.status_code == 200, response.content
    time.sleep(FIRST_EVENT_AFTER_S)
    peer.publish(gateway.options.frigate_topic, frigate_event("yard_new"))
    peer.publish(gateway.options.frigate_topic, frigate_event("yard_old"))

    wait_for(lambda: events_seen, what="the event under the new name")
    wait_for(lambda: rejected_unknown("yard_old"), what="the old name rejected")
    assert [e.device_id for e in events_seen] == ["CAM-YARD"]  # the event under the new name


def test_a_device_registered_through_the_api_is_known_seconds_later(gateway, peer, prefix, manager):
    peer.publish(f"{prefix}/SL-NEW/telemetry", {"ts": time.time(), "level": 30})
    wait_for(lambda: rejected_unknown("SL-NEW"), what="the unknown device rejected")

    create(manager, "SL-NEW", "streetlight", {})
    time.sleep(FIRST_EVENT_AFTER_S)
    peer.publish(f"{prefix}/SL-NEW/telemetry", {"ts": time.time(), "level": 40})

    wait_for(
        lambda: Telemetry.objects.filter(asset__device_id="SL-NEW", level=40).exists(),
        what="its telemetry stored",
    )


# --- OPC-UA controllers -------------------------------------------------------------------------


class Servers:
    """Simulated OPC-UA controllers on a loop of their own, started and stopped by the test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.started: list[SimulatedController] = []

    def start(self, port: int, luminaires: list[str]) -> SimulatedController:
        endpoint = f"opc.tcp://127.0.0.1:{port}/city/"
        server = SimulatedController(endpoint, luminaires=luminaires, delay_s=0.1, fade_s=0.2)
        asyncio.run_coroutine_threadsafe(server.start(), self.loop).result(30)
        self.started.append(server)
        return server

    def close(self) -> None:
        for server in self.started:
            asyncio.run_coroutine_threadsafe(server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def servers():
    made = Servers()
    yield made
    made.close()


@pytest.fixture
def opcua_gateway(prefix):
    gw = start_gateway(gateway_options(prefix, opcua=True, opcua_watchdog_s=10))
    yield gw
    gw.stop()
    forget_session(gw.options.client_id)


def boost(device_id: str, level: float) -> Command:
    light = Asset.objects.get(device_id=device_id)
    (command,) = commands_issue(levels={light.pk: level}, reason="boost", issued_by="test")
    return command


def command_state(operator, command: Command) -> dict:
    response = operator.get(f"/api/v1/commands/{command.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_opcua_controller_added_and_moved_through_the_api_is_driven_without_a_restart(
    opcua_gateway, servers, manager, free_port
):
    first = servers.start(free_port, ["SL-OA"])
    assert opcua_gateway._opcua_sessions == {}  # the gateway started with no controller

    create(
        manager,
        "CAB-NEW",
        "controller",
        {"protocol": "opcua", "endpoint_url": f"opc.tcp://127.0.0.1:{free_port}/city/"},
    )
    create(manager, "SL-OA", "streetlight", {"protocol": "opcua", "controller": "CAB-NEW"})
    command = boost("SL-OA", 80)
    wait_for(
        lambda: Command.objects.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
        timeout=30,
        what="the command to the new controller SUCCEEDED",
    )
    assert first.level("SL-OA") == pytest.approx(80, abs=0.5)

    # The cabinet's controller is replaced: a new endpoint, through the API.
    second_port = free_tcp_port()
    second = servers.start(second_port, ["SL-OA"])
    response = manager.patch(
        "/api/v1/assets/CAB-NEW/",
        {"details": {"endpoint_url": f"opc.tcp://127.0.0.1:{second_port}/city/"}},
        format="json",
    )
    assert response.status_code == 200, response.content

    def on_the_new_endpoint() -> bool:
        session = opcua_gateway._opcua_sessions.get("CAB-NEW")
        return session is not None and str(second_port) in session.endpoint_url

    wait_for(on_the_new_endpoint, timeout=30, what="the session on the new endpoint")
    command = boost("SL-OA", 35)
    wait_for(
        lambda: Command.objects.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
        timeout=30,
        what="the command through the new endpoint SUCCEEDED",
    )
    assert second.level("SL-OA") == pytest.approx(35, abs=0.5)
    assert first.level("SL-OA") == pytest.approx(80, abs=0.5)  # the old one untouched


# --- a command that cannot be sent says why -----------------------------------------------------


def test_a_command_for_an_opcua_light_without_a_controller_says_why(gateway, operator):
    make_light("SL-LOST", protocol=ControlProtocol.OPCUA)
    command = boost("SL-LOST", 70)
    wait_for(lambda: command_state(operator, command)["error"], what="an error on the command")
    shown = command_state(operator, command)
    assert shown["state"] == CommandState.QUEUED
    assert shown["error"] == "not sent: the light is driven over OPC-UA but has no controller"


def test_a_command_whose_controller_cannot_be_reached_says_why_and_goes_when_it_can(
    opcua_gateway, servers, manager, operator, free_port
):
    endpoint = f"opc.tcp://127.0.0.1:{free_port}/city/"  # nothing listens there yet
    create(manager, "CAB-DOWN", "controller", {"protocol": "opcua", "endpoint_url": endpoint})
    create(manager, "SL-DOWN", "streetlight", {"protocol": "opcua", "controller": "CAB-DOWN"})
    command = boost("SL-DOWN", 60)
    wait_for(
        lambda: "not connected" in command_state(operator, command)["error"],
        timeout=15,
        what="the reason on the command",
    )
    shown = command_state(operator, command)
    assert shown["state"] == CommandState.QUEUED and shown["attempts"] == 0
    assert shown["error"].startswith("not sent: controller CAB-DOWN is not connected")
    assert endpoint in shown["error"]

    server = servers.start(free_port, ["SL-DOWN"])  # the controller comes back
    wait_for(
        lambda: command_state(operator, command)["state"] == CommandState.SUCCEEDED,
        timeout=60,
        what="the command sent once the controller is reachable",
    )
    assert command_state(operator, command)["error"] == ""
    assert server.level("SL-DOWN") == pytest.approx(60, abs=0.5)
