"""A simulated streetlight's state (level, energy meter, fault) and how it reads a `cmd`
(CONTRACT.md, "MQTT"): no I/O, the simulation publishes what these return."""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devices.simulators.mqtt_link import MqttLink
from devices.simulators.physics import lamp_temperature_c, led_power_w
from devices.simulators.specs import LampSpec, now_iso

LAMP_FAULTS = ("lamp_failure", "dimming_failure")


@dataclass
class Lamp:
    spec: LampSpec
    level: float
    energy_wh: float = 0.0
    energy_at: float = field(default_factory=time.monotonic)
    fault: str | None = None
    fault_until: float = 0.0
    link: MqttLink | None = None

    @property
    def light(self) -> float:
        """The light actually given: none with a failed lamp."""
        return 0.0 if self.fault == "lamp_failure" else self.level

    def power_w(self) -> float:
        return led_power_w(self.spec.rated_w, self.light)

    def meter(self) -> float:
        """Advances the energy meter to now at the power in effect since the last reading."""
        now = time.monotonic()
        self.energy_wh += self.power_w() * (now - self.energy_at) / 3600.0
        self.energy_at = now
        return round(self.energy_wh, 3)

    def telemetry(self, ambient_c: float) -> dict:
        """A telemetry report of the lamp now (advances its meter)."""
        power = self.power_w()
        return {
            "ts": now_iso(),
            "level": round(self.light, 1),
            "power_w": power,
            "energy_wh": self.meter(),
            "temp_c": lamp_temperature_c(ambient_c, power),
        }

    def ack(self, command_id: str, *, status: str, reason: str = "") -> dict:
        ack = {"id": command_id, "status": status, "level": round(self.light, 1), "ts": now_iso()}
        if reason:
            ack["reason"] = reason
        return ack


@dataclass(frozen=True, slots=True)
class LampCommand:
    """A `cmd` as the lamp read it: a level to apply, or the reason to refuse it."""

    id: str
    level: float | None = None
    refusal: str = ""


def command_read(payload: bytes) -> LampCommand | None:
    """The command in `payload`; None when there is no id to acknowledge (not JSON, no id)."""
    try:
        cmd = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(cmd, dict) or not cmd.get("id"):
        return None
    command_id = str(cmd["id"])
    try:
        level = float(cmd["level"])
        if cmd.get("op", "set_level") != "set_level" or not 0 <= level <= 100:
            raise ValueError("unsupported op or level")
    except (ValueError, KeyError, TypeError) as exc:
        return LampCommand(command_id, refusal=f"bad command: {exc}")
    expires = cmd.get("expires")
    if expires is not None and _is_past(expires):
        return LampCommand(command_id, refusal="expired")
    return LampCommand(command_id, level=level)


def _is_past(expires) -> bool:
    try:
        if isinstance(expires, int | float):
            when = datetime.fromtimestamp(expires, UTC)
        else:
            when = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        return when < datetime.now(UTC)
    except (ValueError, OverflowError, OSError):
        return False
