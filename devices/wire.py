"""The device protocol's message values (CONTRACT.md v1): what the parsers produce, what the
services store.

Frozen, slotted values and nothing else: no parsing, no I/O. They sit below both the wire layer
(`devices/protocols/messages.py` parses bytes into them) and the services
(`devices/services/ingest.py` stores them), so a service never depends on the transport.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Telemetry:
    device_id: str
    ts: datetime
    level: float | None = None
    power_w: float | None = None
    energy_wh: float | None = None
    lux: float | None = None
    temp_c: float | None = None
    level_cm: float | None = None
    rain_mm_h: float | None = None
    wind_m_s: float | None = None
    pm25_ug_m3: float | None = None
    no2_ug_m3: float | None = None


# A telemetry sample's metrics, in the contract's order: the one list the parser, the store
# (its COPY columns) and the API's serializer use.
TELEMETRY_METRICS = tuple(f.name for f in fields(Telemetry) if f.name not in ("device_id", "ts"))


@dataclass(frozen=True, slots=True)
class Status:
    device_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class Event:
    """A device's own event (MQTT `P/{device_id}/event`, or a VMS webhook's body): `end_ts`
    and `zones` are the webhook's, an MQTT event carries neither."""

    device_id: str
    event_id: str
    ts: datetime
    type: str
    confidence: float | None
    count: int | None
    attributes: dict[str, Any]
    stripped: tuple[str, ...] = ()
    end_ts: datetime | None = None
    zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ack:
    device_id: str
    command_id: str
    ok: bool
    level: float | None
    reason: str
    ts: datetime | None


@dataclass(frozen=True, slots=True)
class FrigateEvent:
    camera: str  # Frigate's camera name, resolved to an asset by the gateway
    event_id: str
    phase: str  # new | update | end
    ts: datetime
    end_ts: datetime | None
    label: str
    score: float | None
    zones: tuple[str, ...]
    attributes: dict[str, Any]
    stripped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    topic: str
    device_id: str
    payload: str  # the first 4 KiB, identity fields stripped
    reason_code: str
    reason: str
    stripped: tuple[str, ...] = field(default=())


Message = Telemetry | Status | Event | Ack | FrigateEvent | Rejected
