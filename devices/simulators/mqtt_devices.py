"""Simulated MQTT devices speaking device protocol v1 (CONTRACT.md, "MQTT"): streetlights,
cameras (contract events or Frigate's `frigate/events`) and lux sensors, all driven from one
asyncio loop; MQTT I/O runs on paho's network threads (`MqttLink`). What to simulate is in
`specs`, a lamp's state and its reading of a command in `lamps`, what cameras send in
`camera_events`; this module runs them and publishes.

    sim = MqttCitySimulation(lamps=[LampSpec("SL-1")], options=SimOptions(prefix="t/abc"))
    await sim.run(stop_event)

Per-device mode gives each device its own connection and will (realistic, heavy: a thread
per device); multiplexed mode shares a few connections between thousands of devices (what the
benchmarks use). `SimOptions.multiplexed=None` picks per-device up to 50 devices.

Lamps: retained `online` on connect and `offline` as will; telemetry every
`telemetry_interval_s` (staggered) with level, power_w (LED driver curve), energy_wh (a meter
that accumulates), temp_c; a `cmd` is acknowledged after `ack_delay_s` with the new level and
followed by a telemetry report. Fault injection: `drop_ack_ratio` (the level changes but the
ack is lost), `garbage_ratio` (a telemetry message replaced by invalid JSON, a payload that
breaks the schema, or a message from an unknown device), `disconnect_every_s` (a connection
cut without DISCONNECT, so the broker publishes the will; paho reconnects), `fault_rate_per_hour`
(city-wide lamp faults: a `lamp_failure` or `dimming_failure` event, the lamp dark or stuck
until it is repaired a few minutes later).

Cameras: `event_rate_per_s` events city-wide (Poisson), of the camera's allowed types, each
with a unique id and a confidence. With `frigate=True` a camera that names its Frigate camera
publishes Frigate new/update/end sequences instead; about one in six carries a `sub_label`
(and a face attribute), so the platform's privacy guard is exercised.

With `onvif=True` a camera with an `onvif_source` publishes ONVIF Profile M events instead
(`onvif_events`), `onvif_rate_per_s` city-wide.

Sensors every `sensor_interval_s` (`sensors`): lux following the sun at SITE_LATITUDE/LONGITUDE
with slowly drifting cloud, temperature, and the river frontage's flood and rain gauges, with a
storm `storm_after_s` after the start when it is set.
"""

import asyncio
import contextlib
import heapq
import json
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from devices.simulators.camera_events import camera_event, frigate_messages
from devices.simulators.lamps import LAMP_FAULTS, Lamp, command_read
from devices.simulators.mqtt_link import MqttLink
from devices.simulators.onvif_events import onvif_messages
from devices.simulators.physics import ambient_temperature_c, sun_elevation
from devices.simulators.sensors import SensorReadings
from devices.simulators.specs import CameraSpec, LampSpec, SensorSpec, SimOptions, now_iso

# The specs are the simulation's public API: callers take them from here.
__all__ = [
    "CameraSpec",
    "LampSpec",
    "MqttCitySimulation",
    "SensorSpec",
    "SimOptions",
    "run_until",
]

log = logging.getLogger("devices.simulators")

PER_DEVICE_LIMIT = 50


class MqttCitySimulation:
    def __init__(
        self,
        *,
        lamps: Sequence[LampSpec] = (),
        cameras: Sequence[CameraSpec] = (),
        sensors: Sequence[SensorSpec] = (),
        options: SimOptions | None = None,
    ) -> None:
        self.options = options or SimOptions()
        self.random = random.Random(self.options.seed)  # noqa: S311 (a simulation)
        self.stats: Counter[str] = Counter()
        self.started_at = time.monotonic()
        self.links: list[MqttLink] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task] = set()
        self.readings = SensorReadings(self.options, self.random)
        night = self._is_night()
        self.lamps: dict[str, Lamp] = {
            s.device_id: Lamp(s, s.level if s.level is not None else (100.0 if night else 0.0))
            for s in lamps
        }
        self.cameras = {c.device_id: c for c in cameras}
        self.sensors = {s.device_id: s for s in sensors}
        self._device_link: dict[str, MqttLink] = {}

    # --- set-up ------------------------------------------------------------------------------

    @property
    def device_count(self) -> int:
        return len(self.lamps) + len(self.cameras) + len(self.sensors)

    @property
    def multiplexed(self) -> bool:
        if self.options.multiplexed is None:
            return self.device_count > PER_DEVICE_LIMIT
        return self.options.multiplexed

    def _is_night(self) -> bool:
        o = self.options
        return sun_elevation(datetime.now(UTC), o.latitude, o.longitude) < -0.833

    def _make_links(self) -> None:
        o = self.options
        # Unique per run: two simulators on one broker (two demos, a demo and a benchmark) must
        # never share a client id, or the broker knocks one off each time the other connects.
        tag = f"{o.client_id_prefix or 'citysim'}-{uuid.uuid4().hex[:8]}"
        devices = [*self.lamps, *self.cameras, *self.sensors]
        if self.multiplexed:
            count = max(1, min(o.connections, len(devices)))
            groups = [devices[i::count] for i in range(count)]
            names = [f"{tag}-mux{i}" for i in range(count)]
        else:
            groups = [[d] for d in devices]
            names = [f"{tag}-{d}"[:128] for d in devices]
        for name, group in zip(names, groups, strict=True):
            link = MqttLink(
                broker_url=o.broker_url,
                client_id=name,
                prefix=o.prefix,
                devices=group,
                command_devices=[d for d in group if d in self.lamps],
                on_command=self._command_from_thread,
            )
            self.links.append(link)
            for device_id in group:
                self._device_link[device_id] = link
                if device_id in self.lamps:
                    self.lamps[device_id].link = link

    # --- running -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until `stop` is set (or the task is cancelled); marks every device offline."""
        self._loop = asyncio.get_running_loop()
        self._make_links()
        for link in self.links:
            link.start()
        jobs = [
            self._spawn(self._telemetry_loop(), "lamps"),
            self._spawn(self._camera_loop(), "cameras"),
            self._spawn(self._onvif_loop(), "onvif"),
            self._spawn(self._sensor_loop(), "sensors"),
            self._spawn(self._fault_loop(), "faults"),
            self._spawn(self._disconnect_loop(), "disconnects"),
        ]
        try:
            await stop.wait()
        finally:
            for task in [*jobs, *self._tasks]:
                task.cancel()
            await asyncio.gather(*jobs, *self._tasks, return_exceptions=True)
            await asyncio.to_thread(self._stop_links)

    def _stop_links(self) -> None:
        for link in self.links:
            link.stop()

    async def wait_connected(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.links and all(link.connected.is_set() for link in self.links):
                return True
            await asyncio.sleep(0.05)
        return False

    def summary(self) -> str:
        s = self.stats
        elapsed = max(time.monotonic() - self.started_at, 1e-6)
        sent = sum(s[k] for k in ("telemetry", "events", "frigate", "onvif", "acks", "garbage"))
        connected = sum(link.connected.is_set() for link in self.links)
        return (
            f"{len(self.lamps)} lamps, {len(self.cameras)} cameras, {len(self.sensors)} sensors "
            f"on {connected}/{len(self.links)} connections · telemetry {s['telemetry']} · "
            f"commands {s['commands']} acks {s['acks']} dropped {s['acks_dropped']} · "
            f"events {s['events']} frigate {s['frigate']} onvif {s['onvif']} · "
            f"faults {s['faults']} · "
            f"garbage {s['garbage']} · disconnects {s['disconnects']} · "
            f"{sent / elapsed:.0f} msg/s"
        )

    def _spawn(self, coro, name: str = "") -> asyncio.Task:
        task = asyncio.create_task(coro, name=f"sim:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _publish(self, device_id: str, kind: str, payload: dict | bytes | str) -> None:
        link = self._device_link.get(device_id) or self.links[0]
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        link.publish(f"{self.options.prefix}/{device_id}/{kind}", body)

    # --- lamps -------------------------------------------------------------------------------

    def telemetry_of(self, lamp: Lamp) -> dict:
        o = self.options
        return lamp.telemetry(ambient_temperature_c(datetime.now(UTC), o.latitude, o.longitude))

    def _send_telemetry(self, lamp: Lamp) -> None:
        if self.options.garbage_ratio and self.random.random() < self.options.garbage_ratio:
            self._send_garbage(lamp)
            return
        self._publish(lamp.spec.device_id, "telemetry", self.telemetry_of(lamp))
        self.stats["telemetry"] += 1

    def _send_garbage(self, lamp: Lamp) -> None:
        device_id = lamp.spec.device_id
        kind = self.random.choice(("json", "schema", "unknown_device"))
        if kind == "json":
            self._publish(device_id, "telemetry", b'{"ts": "' + bytes([0xFF, 0xFE]) + b"level")
        elif kind == "schema":
            self._publish(device_id, "telemetry", {"ts": now_iso(), "level": 250, "power_w": -3})
        else:
            ghost = f"SIM-GHOST-{self.random.randrange(10_000):04d}"
            self._publish(ghost, "telemetry", self.telemetry_of(lamp))
        self.stats["garbage"] += 1

    async def _telemetry_loop(self) -> None:
        interval = self.options.telemetry_interval_s
        if not self.lamps or interval <= 0:
            return
        now = time.monotonic()
        # Staggered over the first interval, so a city does not report all at once.
        due = [(now + self.random.uniform(0, interval), d) for d in self.lamps]
        heapq.heapify(due)
        while True:
            now = time.monotonic()
            sent = 0
            while due and due[0][0] <= now:
                when, device_id = heapq.heappop(due)
                self._send_telemetry(self.lamps[device_id])
                heapq.heappush(due, (max(when + interval, now), device_id))
                sent += 1
                if sent % 500 == 0:
                    await asyncio.sleep(0)
            await asyncio.sleep(min(0.25, max(0.01, due[0][0] - time.monotonic())))

    def _command_from_thread(self, device_id: str, payload: bytes) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._command, device_id, payload)

    def _command(self, device_id: str, payload: bytes) -> None:
        lamp = self.lamps.get(device_id)
        if lamp is None:
            return
        self.stats["commands"] += 1
        command = command_read(payload)
        if command is None:
            return  # not JSON, or no id: nothing to acknowledge
        if command.refusal:
            self._ack(lamp, command.id, status="error", reason=command.refusal)
            return
        delay = self.options.ack_delay_s
        self._loop.call_later(delay, self._apply, lamp, command.id, command.level)

    def _apply(self, lamp: Lamp, command_id: str, level: float) -> None:
        lamp.meter()
        if lamp.fault == "dimming_failure":
            self._ack(lamp, command_id, status="error", reason="dimming_failure")
            return
        lamp.level = level
        if self.options.drop_ack_ratio and self.random.random() < self.options.drop_ack_ratio:
            self.stats["acks_dropped"] += 1
        elif lamp.fault == "lamp_failure":
            self._ack(lamp, command_id, status="error", reason="lamp_failure")
        else:
            self._ack(lamp, command_id, status="ok")
        self._publish(lamp.spec.device_id, "telemetry", self.telemetry_of(lamp))
        self.stats["telemetry"] += 1

    def _ack(self, lamp: Lamp, command_id: str, *, status: str, reason: str = "") -> None:
        self._publish(
            lamp.spec.device_id, "ack", lamp.ack(command_id, status=status, reason=reason)
        )
        self.stats["acks"] += 1

    async def _fault_loop(self) -> None:
        rate = self.options.fault_rate_per_hour
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for lamp in self.lamps.values():
                if lamp.fault and now >= lamp.fault_until:
                    lamp.meter()
                    lamp.fault = None  # repaired
            if rate > 0 and self.lamps and self.random.random() < rate / 3600:
                lamp = self.lamps[self.random.choice(list(self.lamps))]
                if lamp.fault is None:
                    self.raise_fault(lamp.spec.device_id, self.random.choice(LAMP_FAULTS))

    def raise_fault(self, device_id: str, fault: str, *, for_s: float | None = None) -> None:
        lamp = self.lamps[device_id]
        lamp.meter()
        lamp.fault = fault
        lamp.fault_until = time.monotonic() + (for_s or self.random.uniform(300, 1800))
        event = {
            "id": uuid.uuid4().hex,
            "ts": now_iso(),
            "type": fault,
            "attributes": {"level": lamp.level, "power_w": lamp.power_w()},
        }
        self._publish(device_id, "event", event)
        self.stats["faults"] += 1

    async def _disconnect_loop(self) -> None:
        every = self.options.disconnect_every_s
        if every <= 0:
            return
        while True:
            await asyncio.sleep(every)
            if self.links:
                self.random.choice(self.links).drop()
                self.stats["disconnects"] += 1

    # --- cameras -----------------------------------------------------------------------------

    def camera_event(self, camera: CameraSpec) -> dict:
        return camera_event(self.random, camera)

    def _onvif_camera(self, camera: CameraSpec) -> bool:
        return self.options.onvif and bool(camera.onvif_source)

    async def _camera_loop(self) -> None:
        rate = self.options.event_rate_per_s
        cameras = [c for c in self.cameras.values() if not self._onvif_camera(c)]
        if not cameras or rate <= 0:
            return
        while True:
            await asyncio.sleep(self.random.expovariate(rate))
            camera = self.random.choice(cameras)
            if self.options.frigate and camera.frigate_camera:
                self._spawn(self._frigate_sequence(camera), "frigate")
            else:
                self._publish(camera.device_id, "event", self.camera_event(camera))
                self.stats["events"] += 1

    def frigate_messages(self, camera: CameraSpec, updates: int = 2) -> list[dict]:
        """A Frigate event's life: new, `updates` updates, end (the `before`/`after` shape)."""
        ratio = self.options.frigate_sub_label_ratio
        return frigate_messages(self.random, camera, updates=updates, sub_label_ratio=ratio)

    async def _frigate_sequence(self, camera: CameraSpec) -> None:
        link = self._device_link.get(camera.device_id) or self.links[0]
        for index, message in enumerate(self.frigate_messages(camera)):
            if index:
                await asyncio.sleep(1.0)
            link.publish(self.options.frigate_topic, json.dumps(message))
            self.stats["frigate"] += 1

    async def _onvif_loop(self) -> None:
        rate = self.options.onvif_rate_per_s
        cameras = [c for c in self.cameras.values() if self._onvif_camera(c)]
        if not cameras or rate <= 0:
            return
        while True:
            await asyncio.sleep(self.random.expovariate(rate))
            self._spawn(self._onvif_sequence(self.random.choice(cameras)), "onvif")

    async def _onvif_sequence(self, camera: CameraSpec) -> None:
        """An ONVIF event's messages, each at its offset (a state's false a few seconds on)."""
        link = self._device_link.get(camera.device_id) or self.links[0]
        waited = 0.0
        for offset, topic, payload in onvif_messages(self.random, camera, start=datetime.now(UTC)):
            await asyncio.sleep(offset - waited)
            waited = offset
            link.publish(topic, json.dumps(payload))
            self.stats["onvif"] += 1

    # --- sensors -----------------------------------------------------------------------------

    async def _sensor_loop(self) -> None:
        interval = self.options.sensor_interval_s
        if not self.sensors or interval <= 0:
            return
        await asyncio.sleep(self.random.uniform(0, min(interval, 2.0)))
        while True:
            for sensor in self.sensors.values():
                self._publish(sensor.device_id, "telemetry", self.readings.reading(sensor))
                self.stats["telemetry"] += 1
            await asyncio.sleep(interval)


async def run_until(sim: MqttCitySimulation, seconds: float) -> None:
    """Runs a simulation for a fixed time (tests, benchmarks)."""
    stop = asyncio.Event()
    task = asyncio.create_task(sim.run(stop))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), seconds)
    stop.set()
    await task
