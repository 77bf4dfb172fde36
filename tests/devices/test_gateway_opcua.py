"""The gateway and a real asyncua controller: readings become telemetry, a command is written
to DimLevel and succeeds when ActualLevel reads it back."""

import asyncio
import threading

import pytest

from devices.choices import AssetKind, CommandState, ControlProtocol, FaultType, LevelSource
from devices.gateway import controller_owner
from devices.models import Asset, ControllerDetails, Fault, LevelChange, Telemetry
from devices.services.commands import commands_issue
from devices.simulators.opcua_server import SimulatedController
from tests.devices.gateway_helpers import (
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    unique_prefix,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def controller_server(free_port):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    endpoint = f"opc.tcp://127.0.0.1:{free_port}/city/"
    server = SimulatedController(endpoint, luminaires=["SL-O1", "SL-O2"], delay_s=0.1, fade_s=0.2)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    yield endpoint, server, loop
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_an_opcua_command_is_written_and_succeeds_on_read_back(controller_server):
    endpoint, server, loop = controller_server
    cabinet = Asset.objects.create(
        device_id="CAB-1", kind=AssetKind.CONTROLLER, latitude=51.5, longitude=0
    )
    ControllerDetails.objects.create(
        asset=cabinet, protocol=ControlProtocol.OPCUA, endpoint_url=endpoint
    )
    first = make_light("SL-O1", controller=cabinet, protocol=ControlProtocol.OPCUA)
    make_light("SL-O2", controller=cabinet, protocol=ControlProtocol.OPCUA)
    gateway = start_gateway(gateway_options(unique_prefix(), opcua=True, opcua_watchdog_s=10))
    try:
        wait_for(lambda: "CAB-1" in gateway._opcua_sessions, what="the controller session")
        (command,) = commands_issue(levels={first.pk: 80}, reason="boost", issued_by="test")
        wait_for(
            lambda: first.commands.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
            timeout=30,
            what="SUCCEEDED on read-back",
        )
        assert server.level("SL-O1") == pytest.approx(80, abs=0.5)
        assert Telemetry.objects.filter(asset=first).exists()
        # The switching log has the change (one row per instant: telemetry or read-back).
        change = LevelChange.objects.filter(asset=first).latest("at")
        assert change.level == pytest.approx(80, abs=0.5)
        assert change.source in (LevelSource.TELEMETRY, LevelSource.READBACK)

        loop.call_soon_threadsafe(server.set_status, "SL-O1", "lamp_failure")
        wait_for(
            lambda: Fault.objects.filter(asset=first, type=FaultType.LAMP_FAILURE).exists(),
            timeout=30,
            what="a lamp fault from Status",
        )
    finally:
        gateway.stop()
        forget_session(gateway.options.client_id)


def test_controllers_are_split_between_gateways_by_a_stable_hash():
    names = [f"CAB-{n}" for n in range(200)]
    owners = [controller_owner(name, 3) for name in names]
    assert owners == [controller_owner(name, 3) for name in names]
    assert {owners.count(i) > 40 for i in range(3)} == {True}
