"""The OPC-UA controller session against a real asyncua server (the simulated controller)."""

import asyncio
import contextlib

import pytest

from devices.protocols.opcua import OpcUaControllerSession, OpcUaReading, OpcUaWriteError
from devices.simulators.opcua_server import SimulatedController

pytestmark = pytest.mark.slow


async def eventually(predicate, timeout: float = 15.0, message: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.05)


class Recorder:
    def __init__(self) -> None:
        self.readings: list[OpcUaReading] = []

    async def __call__(self, reading: OpcUaReading) -> None:
        self.readings.append(reading)

    def of(self, device_id: str) -> list[OpcUaReading]:
        return [r for r in self.readings if r.device_id == device_id]

    def last(self, device_id: str) -> OpcUaReading | None:
        mine = self.of(device_id)
        return mine[-1] if mine else None


@contextlib.asynccontextmanager
async def running(session: OpcUaControllerSession):
    task = asyncio.create_task(session.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def endpoint(free_port) -> str:
    return f"opc.tcp://127.0.0.1:{free_port}/city/"


def make_session(endpoint: str, luminaires: list[str], recorder: Recorder, **kwargs):
    return OpcUaControllerSession(
        controller_device_id="CTRL-1",
        endpoint_url=endpoint,
        luminaires=luminaires,
        on_reading=recorder,
        **kwargs,
    )


async def test_subscription_delivers_the_state_of_every_luminaire(endpoint):
    recorder = Recorder()
    lights = {"SL-1": 60.0, "SL-2": 120.0}
    async with SimulatedController(endpoint, luminaires=lights, initial_level=50):
        session = make_session(endpoint, list(lights), recorder)
        async with running(session):
            await eventually(lambda: all(recorder.last(d) for d in lights), message="readings")

    for device_id, rated in lights.items():
        reading = recorder.last(device_id)
        assert reading.actual_level == 50
        assert reading.status == "ok"
        # An LED driver at half light draws about half its rating, never zero.
        assert 0.4 * rated < reading.power_w < 0.6 * rated
        assert reading.ts.tzinfo is not None


async def test_write_level_is_read_back_as_the_commanded_level(endpoint):
    recorder = Recorder()
    async with SimulatedController(endpoint, luminaires=["SL-1", "SL-2"], fade_s=0.3) as server:
        session = make_session(endpoint, ["SL-1", "SL-2"], recorder)
        async with running(session):
            await eventually(lambda: session.connected, message="connection")
            await session.write_level("SL-1", 80)
            await eventually(
                lambda: recorder.last("SL-1") and recorder.last("SL-1").actual_level == 80,
                message="read-back of 80",
            )
            assert server.level("SL-1") == 80
            assert server.level("SL-2") == 0  # only the commanded lamp moved

    final = recorder.last("SL-1")
    assert final.power_w > 40  # the power follows the light


async def test_namespace_is_looked_up_by_uri_not_by_index(endpoint):
    recorder = Recorder()
    others = ["urn:vendor:one", "urn:vendor:two", "urn:vendor:three"]
    async with SimulatedController(endpoint, luminaires=["SL-1"], extra_namespaces=others) as s:
        assert s.ns > 2  # not the index a client would guess
        session = make_session(endpoint, ["SL-1"], recorder)
        async with running(session):
            await eventually(lambda: recorder.last("SL-1"), message="a reading")
            await session.write_level("SL-1", 30)
            await eventually(lambda: s.level("SL-1") == 30, message="the write")
    assert session.missing == set()


async def test_another_vendors_layout_is_reached_through_the_browse_path_template(endpoint):
    recorder = Recorder()
    async with SimulatedController(endpoint, luminaires=["LUM.7"], folder="Lights") as server:
        default = make_session(endpoint, ["LUM.7"], Recorder())
        custom = make_session(
            endpoint,
            ["LUM.7"],
            recorder,
            browse_path_template="Objects/{ns}:Lights/{ns}:{device_id}",
        )
        async with running(default), running(custom):
            await eventually(lambda: custom.connected and default.connected, message="sessions")
            await custom.write_level("LUM.7", 65)
            await eventually(lambda: server.level("LUM.7") == 65, message="the write")
            # The contract's layout is not there: the default session finds nothing.
            assert default.missing == {"LUM.7"}
            with pytest.raises(OpcUaWriteError):
                await default.write_level("LUM.7", 10)
    assert recorder.last("LUM.7").status == "ok"


async def test_a_luminaire_missing_on_the_server_is_reported_unknown_and_the_rest_work(endpoint):
    recorder = Recorder()
    async with SimulatedController(endpoint, luminaires=["SL-1"]):
        session = make_session(endpoint, ["SL-1", "SL-GHOST"], recorder)
        async with running(session):
            await eventually(lambda: recorder.last("SL-GHOST"), message="the ghost reported")
            await eventually(lambda: recorder.last("SL-1"), message="the real lamp")
            await session.write_level("SL-1", 40)
            await eventually(lambda: recorder.last("SL-1").actual_level == 40, message="40")

    ghost = recorder.last("SL-GHOST")
    assert ghost.status == "unknown"
    assert ghost.actual_level is None
    assert session.missing == {"SL-GHOST"}


async def test_faults_on_the_controller_arrive_as_status(endpoint):
    recorder = Recorder()
    async with SimulatedController(endpoint, luminaires=["SL-1"], initial_level=100) as server:
        session = make_session(endpoint, ["SL-1"], recorder)
        async with running(session):
            await eventually(lambda: recorder.last("SL-1"), message="a reading")
            server.set_status("SL-1", "lamp_failure")
            await eventually(
                lambda: recorder.last("SL-1").status == "lamp_failure", message="the fault"
            )
            assert recorder.last("SL-1").actual_level == 0


async def test_write_level_without_a_connection_raises(endpoint):
    session = make_session(endpoint, ["SL-1"], Recorder())
    with pytest.raises(OpcUaWriteError):
        await session.write_level("SL-1", 50)


async def test_write_level_refuses_a_level_outside_0_100(endpoint):
    async with SimulatedController(endpoint, luminaires=["SL-1"]) as server:
        session = make_session(endpoint, ["SL-1"], Recorder())
        async with running(session):
            await eventually(lambda: session.connected, message="connection")
            with pytest.raises(OpcUaWriteError):
                await session.write_level("SL-1", 150)
            assert server.writes == 0


async def test_session_reconnects_after_a_server_restart_and_resumes_readings(endpoint):
    recorder = Recorder()
    session = make_session(
        endpoint, ["SL-1"], recorder, watchdog_s=5, backoff_initial_s=0.2, backoff_max_s=1
    )
    async with running(session):
        async with SimulatedController(endpoint, luminaires=["SL-1"]):
            await eventually(lambda: session.connected, message="first connection")
        await eventually(lambda: not session.connected, message="the loss noticed")
        with pytest.raises(OpcUaWriteError):
            await session.write_level("SL-1", 10)

        async with SimulatedController(endpoint, luminaires=["SL-1"]) as restarted:
            await eventually(lambda: session.connected, message="reconnection")
            before = len(recorder.of("SL-1"))
            await session.write_level("SL-1", 55)
            await eventually(
                lambda: recorder.last("SL-1").actual_level == 55, message="readings resumed"
            )
            assert restarted.level("SL-1") == 55
    assert session.connects == 2
    assert len(recorder.of("SL-1")) > before


async def test_watchdog_reconnects_when_the_subscription_falls_silent(endpoint):
    recorder = Recorder()
    session = make_session(endpoint, ["SL-1"], recorder, watchdog_s=1.5, backoff_initial_s=0.1)
    async with SimulatedController(endpoint, luminaires=["SL-1"]) as server, running(session):
        await eventually(lambda: session.connected, message="connection")
        # The server's publishing hangs while its session stays up: only silence tells.
        server.freeze()
        await eventually(lambda: session.watchdog_trips >= 1, message="the watchdog")
        await eventually(lambda: session.connects >= 2, message="a new session")
        await session.write_level("SL-1", 25)
        await eventually(lambda: recorder.last("SL-1").actual_level == 25, message="readings again")
