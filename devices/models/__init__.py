"""The devices app's models: the asset registry, device state and telemetry, commands, faults."""

from devices.models.assets import (
    Asset,
    CameraDetails,
    CameraLight,
    ControllerDetails,
    SensorDetails,
    StreetlightDetails,
    Zone,
)
from devices.models.commands import Command
from devices.models.history import RollupWatermark, TelemetryHourly, TelemetryMetric
from devices.models.imports import AssetImportJob
from devices.models.maintenance import Fault, MaintenanceRecord
from devices.models.state import AssetState, LevelChange, RejectedMessage, Telemetry

__all__ = [
    "Asset",
    "AssetImportJob",
    "AssetState",
    "CameraDetails",
    "CameraLight",
    "Command",
    "ControllerDetails",
    "Fault",
    "LevelChange",
    "MaintenanceRecord",
    "RejectedMessage",
    "RollupWatermark",
    "SensorDetails",
    "StreetlightDetails",
    "Telemetry",
    "TelemetryHourly",
    "TelemetryMetric",
    "Zone",
]
