"""A simulated city: what to simulate (from the registry or made up) and running all of it.

`run_city` runs the MQTT devices (`MqttCitySimulation`) and one `SimulatedController` per
OPC-UA controller at its endpoint URL, with the lights it controls, until `stop` is set.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devices.choices import AssetKind, ControlProtocol, LifecycleStatus
from devices.models import Asset
from devices.protocols.opcua import DEFAULT_BROWSE_PATH
from devices.simulators.mqtt_devices import (
    CameraSpec,
    LampSpec,
    MqttCitySimulation,
    SensorSpec,
    SimOptions,
)
from devices.simulators.opcua_server import SimulatedController
from devices.simulators.physics import sun_elevation
from devices.simulators.sensors import FLOOD_LEVEL, MEASURES

log = logging.getLogger("devices.simulators")


@dataclass
class ControllerSpec:
    device_id: str
    endpoint_url: str
    luminaires: dict[str, float] = field(default_factory=dict)  # device_id → rated power
    browse_path_template: str = ""


@dataclass
class CitySpec:
    lamps: list[LampSpec] = field(default_factory=list)
    cameras: list[CameraSpec] = field(default_factory=list)
    sensors: list[SensorSpec] = field(default_factory=list)
    controllers: list[ControllerSpec] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.lamps or self.cameras or self.sensors or self.controllers)

    def describe(self) -> str:
        opcua = sum(len(c.luminaires) for c in self.controllers)
        return (
            f"{len(self.lamps)} MQTT lamps, {opcua} OPC-UA lamps behind "
            f"{len(self.controllers)} controllers, {len(self.cameras)} cameras, "
            f"{len(self.sensors)} sensors"
        )


def city_from_registry() -> CitySpec:
    """Every asset in service in the registry (not planned, not decommissioned)."""
    assets = Asset.objects.exclude(
        status__in=[LifecycleStatus.PLANNED, LifecycleStatus.DECOMMISSIONED]
    ).order_by("device_id")
    city = CitySpec()
    controllers: dict[str, ControllerSpec] = {}
    for row in assets.filter(
        kind=AssetKind.CONTROLLER, controller__protocol=ControlProtocol.OPCUA
    ).values("device_id", "controller__endpoint_url", "controller__browse_path_template"):
        if row["controller__endpoint_url"]:
            controllers[row["device_id"]] = ControllerSpec(
                row["device_id"],
                row["controller__endpoint_url"],
                browse_path_template=row["controller__browse_path_template"] or "",
            )
    for row in assets.filter(kind=AssetKind.STREETLIGHT).values(
        "device_id",
        "streetlight__rated_power_w",
        "streetlight__protocol",
        "streetlight__controller__device_id",
        "state__level",
    ):
        rated = row["streetlight__rated_power_w"] or 60.0
        controller = controllers.get(row["streetlight__controller__device_id"] or "")
        if row["streetlight__protocol"] == ControlProtocol.OPCUA:
            if controller is not None:
                controller.luminaires[row["device_id"]] = rated
            continue
        city.lamps.append(LampSpec(row["device_id"], rated_w=rated, level=row["state__level"]))
    for row in assets.filter(kind=AssetKind.CAMERA).values(
        "device_id", "camera__analytics_allowlist", "camera__frigate_camera", "camera__onvif_source"
    ):
        allowed = row["camera__analytics_allowlist"] or []
        if isinstance(allowed, str):  # tolerate "motion;intrusion" as a CSV would have it
            allowed = allowed.replace(",", ";").split(";")
        city.cameras.append(
            CameraSpec(
                row["device_id"],
                event_types=tuple(str(t).strip() for t in allowed if str(t).strip()),
                frigate_camera=row["camera__frigate_camera"] or "",
                onvif_source=row["camera__onvif_source"] or "",
            )
        )
    for row in assets.filter(kind=AssetKind.SENSOR).values("device_id", "sensor__measures"):
        measures = MEASURES.get((row["sensor__measures"] or "").strip().lower())
        if measures:  # footfall and the like have no contract metric: not simulated
            city.sensors.append(SensorSpec(row["device_id"], measures))
    city.controllers = list(controllers.values())
    return city


def synthetic_city(
    *,
    lamps: int = 0,
    cameras: int = 0,
    sensors: int = 0,
    gauges: int = 0,
    opcua_lamps: int = 0,
    controller_endpoint: str = "",
    id_prefix: str = "SIM",
) -> CitySpec:
    """A made-up city: ids like SIM-SL-00001, SIM-CAM-001 (ONVIF source
    `onvif/sim/VideoSource_1`), SIM-LUX-001, SIM-FG-001 (river gauges), SIM-OL-00001."""
    onvif = f"onvif/{id_prefix.lower()}"
    city = CitySpec(
        lamps=[LampSpec(f"{id_prefix}-SL-{i:05d}") for i in range(1, lamps + 1)],
        cameras=[
            CameraSpec(
                f"{id_prefix}-CAM-{i:03d}",
                frigate_camera=f"cam_{i:03d}",
                onvif_source=f"{onvif}/VideoSource_{i}",
            )
            for i in range(1, cameras + 1)
        ],
        sensors=[SensorSpec(f"{id_prefix}-LUX-{i:03d}") for i in range(1, sensors + 1)]
        + [SensorSpec(f"{id_prefix}-FG-{i:03d}", FLOOD_LEVEL) for i in range(1, gauges + 1)],
    )
    if opcua_lamps and controller_endpoint:
        city.controllers.append(
            ControllerSpec(
                f"{id_prefix}-CTRL-1",
                controller_endpoint,
                {f"{id_prefix}-OL-{i:05d}": 60.0 for i in range(1, opcua_lamps + 1)},
            )
        )
    return city


def _folder_of(template: str) -> str | None:
    """The folder name of a simple vendor layout "Objects/{ns}:<Folder>/{ns}:{device_id}"."""
    if not template or template == DEFAULT_BROWSE_PATH:
        return "Luminaires"
    parts = template.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "Objects" and parts[2] == "{ns}:{device_id}":
        ns, _sep, folder = parts[1].partition(":")
        if ns == "{ns}" and folder:
            return folder
    return None


async def run_city(
    city: CitySpec,
    options: SimOptions,
    stop: asyncio.Event,
    *,
    progress: Callable[[str], None] | None = None,
    progress_every_s: float = 10.0,
    controller_delay_s: float = 0.5,
    controller_fade_s: float = 1.0,
    ready: asyncio.Event | None = None,
) -> MqttCitySimulation:
    """Runs the city until `stop` is set; returns the MQTT simulation (for its stats).

    The MQTT devices start at once; the OPC-UA controllers start beside them (an asyncua
    server takes a second or two to build its address space). A controller that cannot start
    (its port taken) is logged and left out. `ready` is set once every controller listens (or
    has failed to)."""
    sim = MqttCitySimulation(
        lamps=city.lamps, cameras=city.cameras, sensors=city.sensors, options=options
    )
    controllers: list[SimulatedController] = []
    started = time.monotonic()
    devices = asyncio.create_task(sim.run(stop) if sim.device_count else stop.wait())

    async def start_controller(spec: ControllerSpec) -> None:
        server = _controller(spec, options, controller_delay_s, controller_fade_s)
        try:
            await server.start()
        except Exception as exc:
            log.error(
                "controller %s at %s could not start: %s", spec.device_id, spec.endpoint_url, exc
            )
            await server.stop()
            return
        controllers.append(server)

    def line() -> str:
        writes = sum(c.writes for c in controllers)
        return f"{sim.summary()} · OPC-UA {len(controllers)} controllers, {writes} writes"

    async def report() -> None:
        while True:
            await asyncio.sleep(progress_every_s)
            progress(line())

    reporter = asyncio.create_task(report()) if progress else None
    try:
        try:
            await asyncio.gather(*(start_controller(c) for c in city.controllers if c.luminaires))
        finally:
            if ready is not None:
                ready.set()
        await devices
    finally:
        devices.cancel()
        if reporter:
            reporter.cancel()
        await asyncio.gather(devices, *([reporter] if reporter else []), return_exceptions=True)
        for server in controllers:
            await server.stop()
        if progress:
            progress(f"stopped after {time.monotonic() - started:.0f} s: {line()}")
    return sim


def _controller(
    spec: ControllerSpec, options: SimOptions, delay_s: float, fade_s: float
) -> SimulatedController:
    folder = _folder_of(spec.browse_path_template)
    if folder is None:
        log.warning(
            "controller %s: layout %r is not simulated; using the contract's",
            spec.device_id,
            spec.browse_path_template,
        )
        folder = "Luminaires"
    return SimulatedController(
        spec.endpoint_url,
        luminaires=spec.luminaires,
        delay_s=delay_s,
        fade_s=fade_s,
        initial_level=100.0 if _night(options) else 0.0,
        fault_rate_per_hour=options.fault_rate_per_hour,
        folder=folder,
        name=f"Simulated controller {spec.device_id}",
    )


def _night(options: SimOptions) -> bool:
    return sun_elevation(datetime.now(UTC), options.latitude, options.longitude) < -0.833
