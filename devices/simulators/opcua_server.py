"""A simulated OPC-UA lighting controller (CONTRACT.md, "OPC-UA"): an asyncua server with

    Objects/Luminaires/{device_id}/DimLevel     Double, writable: the commanded level
                                   ActualLevel  Double: follows DimLevel after `delay_s`,
                                                fading over `fade_s`
                                   PowerW       Double: LED driver curve with a standby draw
                                   Status       String: ok | lamp_failure | dimming_failure |
                                                supply_loss

in the namespace of URI urn:cityplatform:lighting.

    async with SimulatedController("opc.tcp://127.0.0.1:4841/city/", luminaires=["SL-1"]) as c:
        c.set_status("SL-1", "lamp_failure")

Faults: `lamp_failure` (no light: ActualLevel 0, standby power whatever DimLevel says),
`dimming_failure` (ActualLevel stuck where it was), `supply_loss` (ActualLevel 0, PowerW 0).
`fault_rate_per_hour` raises random faults (cleared again after a few minutes).
`freeze()` stops the server's publishing while its session stays up (a hung publish engine),
for the client's watchdog. `extra_namespaces` are registered before the lighting namespace,
to prove clients look the index up by URI. `folder` and `device_path_ns_first` give other
layouts for browse-path tests.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asyncua import Server, ua
from asyncua.common.callback import CallbackType

from devices.protocols.opcua import NAMESPACE_URI, quiet_asyncua
from devices.simulators.physics import led_power_w

log = logging.getLogger("devices.simulators.opcua")

STATUSES = ("ok", "lamp_failure", "dimming_failure", "supply_loss")
FAULTS = STATUSES[1:]


@dataclass
class _Luminaire:
    device_id: str
    rated_w: float
    dim: ua.NodeId
    actual: ua.NodeId
    power: ua.NodeId
    status: ua.NodeId
    commanded: float = 0.0
    level: float = 0.0
    status_value: str = "ok"
    # A fade in progress: from level `start_level` at monotonic `start_at` to `target`.
    start_level: float = 0.0
    start_at: float = 0.0
    target: float | None = None
    fault_until: float | None = None
    history: list[float] = field(default_factory=list)


class SimulatedController:
    def __init__(
        self,
        endpoint: str,
        *,
        luminaires: Iterable[str] | Mapping[str, float],
        delay_s: float = 0.2,
        fade_s: float = 0.5,
        step_s: float = 0.1,
        initial_level: float = 0.0,
        rated_power_w: float = 60.0,
        fault_rate_per_hour: float = 0.0,
        folder: str = "Luminaires",
        extra_namespaces: Iterable[str] = (),
        name: str = "Simulated lighting controller",
    ) -> None:
        quiet_asyncua()
        self.endpoint = endpoint
        if isinstance(luminaires, Mapping):
            self.rated = {d: float(w) for d, w in luminaires.items()}
        else:
            self.rated = dict.fromkeys(luminaires, rated_power_w)
        self.delay_s = delay_s
        self.fade_s = fade_s
        self.step_s = step_s
        self.initial_level = initial_level
        self.fault_rate_per_hour = fault_rate_per_hour
        self.folder = folder
        self.extra_namespaces = list(extra_namespaces)
        self.name = name
        self.ns: int | None = None
        self.writes = 0
        self.server: Server | None = None
        self._lamps: dict[str, _Luminaire] = {}
        self._by_dim: dict[ua.NodeId, _Luminaire] = {}
        self._moving: set[str] = set()
        self._task: asyncio.Task | None = None
        self._frozen = False
        self._background: set[asyncio.Task] = set()

    # --- life-cycle --------------------------------------------------------------------------

    async def __aenter__(self) -> "SimulatedController":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def start(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(self.name)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        for uri in self.extra_namespaces:
            await server.register_namespace(uri)
        self.ns = ns = await server.register_namespace(NAMESPACE_URI)
        folder = await server.nodes.objects.add_folder(
            ua.NodeId(self.folder, ns), ua.QualifiedName(self.folder, ns)
        )
        for device_id, rated_w in self.rated.items():
            obj = await folder.add_object(
                ua.NodeId(f"{self.folder}/{device_id}", ns), ua.QualifiedName(device_id, ns)
            )
            level = self.initial_level
            power = led_power_w(rated_w, level)
            nodes = {}
            for variable, value, kind in (
                ("DimLevel", level, ua.VariantType.Double),
                ("ActualLevel", level, ua.VariantType.Double),
                ("PowerW", power, ua.VariantType.Double),
                ("Status", "ok", ua.VariantType.String),
            ):
                node = await obj.add_variable(
                    ua.NodeId(f"{self.folder}/{device_id}/{variable}", ns),
                    ua.QualifiedName(variable, ns),
                    ua.Variant(value, kind),
                )
                nodes[variable] = node.nodeid
            await server.get_node(nodes["DimLevel"]).set_writable()
            lamp = _Luminaire(
                device_id,
                rated_w,
                nodes["DimLevel"],
                nodes["ActualLevel"],
                nodes["PowerW"],
                nodes["Status"],
                commanded=level,
                level=level,
            )
            self._lamps[device_id] = lamp
            self._by_dim[lamp.dim] = lamp
        server.subscribe_server_callback(CallbackType.PostWrite, self._post_write)
        await server.start()
        self.server = server
        self._task = asyncio.create_task(self._loop(), name=f"opcua-sim:{self.endpoint}")
        log.info("simulated controller at %s with %d luminaires", self.endpoint, len(self._lamps))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.server:
            with contextlib.suppress(Exception):
                await self.server.stop()
            self.server = None

    async def serve_forever(self, stop: asyncio.Event | None = None) -> None:
        async with self:
            await (stop.wait() if stop else asyncio.Event().wait())

    # --- what tests and the simulate command use ---------------------------------------------

    def level(self, device_id: str) -> float:
        return self._lamps[device_id].level

    def status(self, device_id: str) -> str:
        return self._lamps[device_id].status_value

    def set_status(self, device_id: str, status: str, *, for_s: float | None = None) -> None:
        """Injects (or clears, with "ok") a fault; `for_s` clears it again after that long."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        lamp = self._lamps[device_id]
        lamp.status_value = status
        lamp.fault_until = time.monotonic() + for_s if for_s and status != "ok" else None
        if status in ("lamp_failure", "supply_loss"):
            lamp.level = 0.0
            lamp.target = None
        elif status == "ok":
            self._start_fade(lamp, lamp.commanded)
        self._spawn(self._publish(lamp))

    def freeze(self) -> None:
        """Stops publishing to the current subscriptions (the session stays up)."""
        self._frozen = True
        service = self.server.iserver.subscription_service
        for sub in list(service.subscriptions.values()):
            self._spawn(sub.stop())

    # --- the simulation ----------------------------------------------------------------------

    async def _post_write(self, event, dispatcher=None) -> None:
        for write, status in zip(
            event.request_params.NodesToWrite, event.response_params or [], strict=False
        ):
            lamp = self._by_dim.get(write.NodeId)
            if lamp is None or not status.is_good():
                continue
            try:
                value = float(write.Value.Value.Value)
            except (TypeError, ValueError):
                continue
            self.writes += 1
            lamp.commanded = max(0.0, min(100.0, value))
            if lamp.status_value == "ok":
                self._start_fade(lamp, lamp.commanded, delay=self.delay_s)

    def _start_fade(self, lamp: _Luminaire, target: float, delay: float = 0.0) -> None:
        lamp.start_level = lamp.level
        lamp.start_at = time.monotonic() + delay
        lamp.target = target
        self._moving.add(lamp.device_id)

    async def _loop(self) -> None:
        last_fault_draw = time.monotonic()
        while True:
            await asyncio.sleep(self.step_s)
            now = time.monotonic()
            for device_id in list(self._moving):
                lamp = self._lamps[device_id]
                if lamp.target is None:
                    self._moving.discard(device_id)
                    continue
                if now < lamp.start_at:
                    continue
                progress = 1.0 if self.fade_s <= 0 else (now - lamp.start_at) / self.fade_s
                if progress >= 1.0:
                    lamp.level = lamp.target
                    lamp.target = None
                    self._moving.discard(device_id)
                else:
                    lamp.level = round(
                        lamp.start_level + (lamp.target - lamp.start_level) * progress, 2
                    )
                await self._publish(lamp)
            for lamp in self._lamps.values():
                if lamp.fault_until is not None and now >= lamp.fault_until:
                    self.set_status(lamp.device_id, "ok")
            if self.fault_rate_per_hour > 0 and now - last_fault_draw >= 1.0:
                last_fault_draw = now
                if random.random() < self.fault_rate_per_hour / 3600:  # noqa: S311
                    lamp = random.choice(list(self._lamps.values()))  # noqa: S311
                    if lamp.status_value == "ok":
                        fault = random.choice(FAULTS)  # noqa: S311
                        self.set_status(lamp.device_id, fault, for_s=random.uniform(120, 900))  # noqa: S311

    async def _publish(self, lamp: _Luminaire) -> None:
        if self.server is None:
            return
        now = datetime.now(UTC)
        status = lamp.status_value
        if status == "supply_loss":
            power = 0.0
        elif status == "lamp_failure":
            power = led_power_w(lamp.rated_w, 0)
        else:
            power = led_power_w(lamp.rated_w, lamp.level)
        for node_id, value, kind in (
            (lamp.actual, float(lamp.level), ua.VariantType.Double),
            (lamp.power, float(power), ua.VariantType.Double),
            (lamp.status, status, ua.VariantType.String),
        ):
            await self.server.write_attribute_value(
                node_id, ua.DataValue(ua.Variant(value, kind), SourceTimestamp=now)
            )

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
