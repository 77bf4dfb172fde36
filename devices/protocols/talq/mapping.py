"""TALQ devices, attributes and events in the platform's terms (pure functions, no storage).

- A TALQ device (`address`, a UUID) is the asset `talq-<address>`; its kind follows its
  functions: a lamp actuator or lamp monitor makes a streetlight, a cabinet or electrical meter
  without lamp functions a controller, sensor functions a sensor.
- Attributes of LampActuator, LampMonitor, ElectricalMeter, Photocell and light sensors become
  telemetry metrics (units converted: TALQ energy is kWh, power of a meter kW).
- Events of the LampMonitor (and the supply loss of an ElectricalMeter) become faults: the
  event's `startEndFlag` true raises, false clears.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from devices.choices import AssetKind, FaultType

DEVICE_ID_PREFIX = "talq-"

LAMP_FUNCTIONS = frozenset({"LampActuatorFunction", "LampMonitorFunction"})
CONTROLLER_FUNCTIONS = frozenset(
    {
        "CabinetMonitorFunction",
        "CabinetConfigurationFunction",
        "ElectricalMeterFunction",
        "SegmentMonitorFunction",
        "ControllerAssetFunction",
        "GatewayFunction",
    }
)
# (function type, attribute name) → (metric, factor): the value times the factor is stored.
METRICS: dict[tuple[str, str], tuple[str, float]] = {
    ("LampActuatorFunction", "actualLightState"): ("level", 1.0),
    ("LampMonitorFunction", "activePower"): ("power_w", 1.0),
    ("LampMonitorFunction", "activeEnergy"): ("energy_wh", 1000.0),  # kWh → Wh
    ("LampMonitorFunction", "temperature"): ("temp_c", 1.0),
    ("ElectricalMeterFunction", "totalPower"): ("power_w", 1000.0),  # kW → W
    ("ElectricalMeterFunction", "totalActiveEnergy"): ("energy_wh", 1000.0),
    ("PhotocellFunction", "lightLevel"): ("lux", 1.0),
    ("LightSensorFunction", "lightLevel"): ("lux", 1.0),
    ("TemperatureSensorFunction", "temperature"): ("temp_c", 1.0),
    ("EnergyDataDaliPart252Function", "activeEnergy"): ("energy_wh", 1000.0),
    ("EnergyDataDaliPart252Function", "activePower"): ("power_w", 1.0),
}
# An attribute named so, whatever function reports it (a gateway that names no function id).
METRICS_BY_NAME = {
    "actualLightState": ("level", 1.0),
    "activePower": ("power_w", 1.0),
    "activeEnergy": ("energy_wh", 1000.0),
    "lightLevel": ("lux", 1.0),
}
FAULT_EVENTS: dict[str, FaultType] = {
    "lampFailure": FaultType.LAMP_FAILURE,
    "dimmingFailure": FaultType.DIMMING_FAILURE,
    "cyclingFailure": FaultType.CYCLING_FAILURE,
    "lampUnexpectedOn": FaultType.DAY_BURNING,
    "supplyLoss": FaultType.SUPPLY_LOSS,
    "relayFailure": FaultType.RELAY_FAILURE,
}


def device_id_for(address: str) -> str:
    """The asset's device id of a TALQ device address (a UUID, kept lower case)."""
    return DEVICE_ID_PREFIX + str(uuid.UUID(address))


def kind_for(functions: list[dict[str, Any]]) -> str:
    types = {f.get("type") for f in functions}
    if types & LAMP_FUNCTIONS:
        return AssetKind.STREETLIGHT
    if types & CONTROLLER_FUNCTIONS:
        return AssetKind.CONTROLLER
    return AssetKind.SENSOR


def sensor_measure(functions: list[dict[str, Any]]) -> str:
    """What a sensor device measures, in the registry's words (its first sensor function)."""
    for function in functions:
        kind = str(function.get("type", ""))
        if kind.endswith("Function") and kind != "BasicFunction":
            return kind.removesuffix("Function")[:50]
    return "talq"


def location_of(functions: list[dict[str, Any]]) -> tuple[float, float] | None:
    """(latitude, longitude) from LocationSensorFunction.location or BasicFunction.location."""
    for function in functions:
        if function.get("type") in ("LocationSensorFunction", "BasicFunction"):
            value = (function.get("location") or {}).get("value") or {}
            lat, lon = value.get("latitude"), value.get("longitude")
            numbers = isinstance(lat, int | float) and isinstance(lon, int | float)
            if numbers and -90 <= lat <= 90 and -180 <= lon <= 180:
                return float(lat), float(lon)
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """A log entry's srcAddress: `{deviceAddress}` or `{deviceAddress}/{functionId}`."""

    device_address: str
    function_id: str | None


def source_of(src_address: str) -> Source | None:
    """None when the device part is not a UUID (TALQ device addresses are)."""
    device, _, function = src_address.strip("/").partition("/")
    try:
        device = str(uuid.UUID(device))
    except ValueError:
        return None
    return Source(device, function.split("/")[0] or None)


def metric_for(function_type: str | None, attribute: str) -> tuple[str, float] | None:
    if function_type is not None and (function_type, attribute) in METRICS:
        return METRICS[(function_type, attribute)]
    return METRICS_BY_NAME.get(attribute)


def attribute_number(value: Any) -> float | None:
    """The number an attribute carries: a float/integer attribute's `value`, a level state's
    `value.value` (DimLevel, %); None for anything else."""
    if not isinstance(value, dict):
        return None
    inner = value.get("value")
    if isinstance(inner, dict):  # AttributeLevelState: {"name": "LevelState", "value": 60}
        inner = inner.get("value")
    if isinstance(inner, bool) or not isinstance(inner, int | float):
        return None
    return float(inner)
