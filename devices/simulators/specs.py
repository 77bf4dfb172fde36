"""What the MQTT device simulation is told: the devices to simulate and how (rates, fault
injection, connections). Plain values, no I/O."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class LampSpec:
    device_id: str
    rated_w: float = 60.0
    level: float | None = None  # None: lit at night, off by day (a photocell's default)


@dataclass(frozen=True)
class CameraSpec:
    device_id: str
    event_types: tuple[str, ...] = ()  # empty: every camera analytics type
    frigate_camera: str = ""
    onvif_source: str = ""  # "<TopicPrefix>/<VideoSource token>": publishes Profile M events


@dataclass(frozen=True)
class SensorSpec:
    device_id: str
    measures: str = "lux"  # lux, temperature, flood_level (a river gauge) or rainfall


@dataclass
class SimOptions:
    broker_url: str = "mqtt://127.0.0.1:1883"
    prefix: str = "city/v1"
    telemetry_interval_s: float = 60.0
    sensor_interval_s: float = 60.0
    ack_delay_s: float = 0.2
    drop_ack_ratio: float = 0.0
    garbage_ratio: float = 0.0
    disconnect_every_s: float = 0.0
    fault_rate_per_hour: float = 0.0
    event_rate_per_s: float = 0.2
    frigate: bool = False
    frigate_topic: str = "frigate/events"
    frigate_sub_label_ratio: float = 1 / 6
    onvif: bool = False  # cameras with an onvif_source publish ONVIF Profile M events
    onvif_rate_per_s: float = 0.2
    storm_after_s: float | None = None  # None: no storm; else the river rises this long after
    # The sensors' clock (their readings' `ts` and the river's tide and storm): the real time
    # unless a test drives it faster.
    clock: Callable[[], datetime] | None = None
    multiplexed: bool | None = None
    connections: int = 4
    client_id_prefix: str = ""  # readable start of the links' client ids (a random tag follows)
    latitude: float = 51.5155
    longitude: float = -0.0922
    seed: int | None = None
