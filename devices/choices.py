"""Every choice of the devices app, in one place."""

from django.db import models


class AssetKind(models.TextChoices):
    STREETLIGHT = "streetlight", "Streetlight"
    CAMERA = "camera", "Camera"
    SENSOR = "sensor", "Sensor"
    CONTROLLER = "controller", "Controller"


class LifecycleStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    INSTALLED = "installed", "Installed"
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "In maintenance"
    FAULTY = "faulty", "Faulty"
    DECOMMISSIONED = "decommissioned", "Decommissioned"


class ZoneKind(models.TextChoices):
    CITY = "city", "City"
    WARD = "ward", "Ward"
    STREET = "street", "Street"
    VENUE = "venue", "Venue"
    HIGH_RISK_SITE = "high_risk_site", "High-risk site"
    PARK = "park", "Park"
    OTHER = "other", "Other"


class ControlProtocol(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    OPCUA = "opcua", "OPC-UA"
    TALQ = "talq", "TALQ 2.7.1"


class LampTechnology(models.TextChoices):
    """Smart Data Models `StreetlightModel.lampTechnology`."""

    LED = "LED", "LED"
    LPS = "LPS", "Low-pressure sodium"
    HPS = "HPS", "High-pressure sodium"
    METAL_HALIDE = "metalHalide", "Metal halide"
    FLUORESCENT = "fluorescent", "Fluorescent"
    OTHER = "other", "Other"


class FaultType(models.TextChoices):
    LAMP_FAILURE = "lamp_failure", "Lamp failure"
    DIMMING_FAILURE = "dimming_failure", "Dimming failure"
    DAY_BURNING = "day_burning", "Day-burning"
    SUPPLY_LOSS = "supply_loss", "Supply loss"
    CYCLING_FAILURE = "cycling_failure", "Cycling"
    RELAY_FAILURE = "relay_failure", "Relay failure"
    OFFLINE = "offline", "Offline"
    TAMPER = "tamper", "Tamper"
    VIDEO_LOSS = "video_loss", "Video loss"
    OTHER = "other", "Other"


class MaintenanceKind(models.TextChoices):
    INSPECTION = "inspection", "Inspection"
    REPAIR = "repair", "Repair"
    LAMP_CHANGE = "lamp_change", "Lamp change"
    CLEANING = "cleaning", "Cleaning"
    FIRMWARE = "firmware", "Firmware update"
    INSTALLATION = "installation", "Installation"
    REMOVAL = "removal", "Removal"
    OTHER = "other", "Other"


class MaintenanceStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CommandState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


PENDING_COMMAND_STATES = (CommandState.QUEUED, CommandState.SENT)


class LevelSource(models.TextChoices):
    """Where a recorded level change came from."""

    TELEMETRY = "telemetry", "Telemetry"
    ACK = "ack", "Command acknowledgement"
    READBACK = "readback", "OPC-UA read-back"


class RejectReason(models.TextChoices):
    INVALID_JSON = "invalid_json", "Not valid JSON"
    SCHEMA = "schema", "Breaks the schema"
    UNKNOWN_DEVICE = "unknown_device", "Unknown device"
    UNKNOWN_TOPIC = "unknown_topic", "Topic outside the contract"
    OVERSIZED = "oversized", "Payload too large"
    NOT_ALLOWED = "not_allowed", "Not allowed for this device"
    UNAUTHORISED = "unauthorised", "Unknown or wrong key"
    OTHER = "other", "Other"


class ImportJobState(models.TextChoices):
    """An asset CSV import run as a task: waiting for a worker, reading rows, finished."""

    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ImportMode(models.TextChoices):
    ALL = "all", "Import only if every row is valid"
    VALID_ONLY = "valid_only", "Import the valid rows, list the bad ones"
    CHECK = "check", "Check only (write nothing)"
