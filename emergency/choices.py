"""The emergency app's enumerations (CAP 1.2's own values keep their CAP spelling)."""

from django.db import models


class MsgType(models.TextChoices):
    ALERT = "Alert", "Alert"
    UPDATE = "Update", "Update"
    CANCEL = "Cancel", "Cancel"
    ACK = "Ack", "Acknowledgement"
    ERROR = "Error", "Error"


class AlertState(models.TextChoices):
    ACTIVE = "active", "Active"  # in force: its alarm (if it meets the city) is open
    OUTSIDE = "outside", "Outside the city"  # in force, but its area meets no zone
    NOT_ACTED = "not_acted", "Not acted on"  # a test, exercise, draft, an Ack, untrusted feed
    SUPERSEDED = "superseded", "Replaced by an update"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


LIVE_STATES = (AlertState.ACTIVE, AlertState.OUTSIDE)


class RefusalReason(models.TextChoices):
    TOO_LARGE = "too_large", "Larger than CAP_MAX_BYTES"
    NOT_XML = "not_xml", "Not well-formed XML"
    FORBIDDEN_XML = "forbidden_xml", "Forbidden XML (DTD, entity, external reference)"
    SCHEMA = "schema", "Not valid against the CAP 1.2 schema"
    BAD_AREA = "bad_area", "An area's polygon or circle cannot be read"
    DUPLICATE = "duplicate", "Received before (same sender, identifier and sent)"
    FETCH = "fetch", "Could not be fetched"


class Origin(models.TextChoices):
    PUSH = "push", "Pushed (signed)"
    FEED = "feed", "Polled feed"


# CAP 1.2's own value lists (the vendored schema's enumerations), for the publishing API.
CAP_CATEGORIES = [
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
]  # fmt: skip
CAP_URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"]
CAP_SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CAP_CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]


class ThresholdKind(models.TextChoices):
    ABOVE = "above", "Above a level"
    BELOW = "below", "Below a level"
    RISE = "rise", "Rising by a level within a window"


class ThresholdMetric(models.TextChoices):
    LEVEL_CM = "level_cm", "Water level (cm)"
    RAIN_MM_H = "rain_mm_h", "Rainfall (mm/h)"
    WIND_M_S = "wind_m_s", "Wind (m/s)"
    PM25 = "pm25_ug_m3", "PM2.5 (µg/m³)"
    NO2 = "no2_ug_m3", "NO2 (µg/m³)"
    LUX = "lux", "Illuminance (lux)"
    TEMP_C = "temp_c", "Temperature (°C)"


class PlanHazard(models.TextChoices):
    FLOOD = "flood", "Flood"
    STORM = "storm", "Storm"
    PUBLIC_HEALTH = "public_health", "Public health"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"


# The words a CAP alert's event or headline carries for each hazard, when a plan names none of
# its own (an "other" plan matches only its own words).
HAZARD_WORDS = {
    PlanHazard.FLOOD: ("flood",),
    PlanHazard.STORM: ("storm", "gale", "wind", "hurricane", "thunder"),
    PlanHazard.PUBLIC_HEALTH: ("health", "heat", "air quality", "pollution", "disease"),
    PlanHazard.SECURITY: ("security", "terror", "attack", "shelter in place"),
    PlanHazard.OTHER: (),
}


class PlanRunState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"  # waits for a supervisor: never started by itself
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"
    DISMISSED = "dismissed", "Dismissed"


OPEN_RUN_STATES = (PlanRunState.PROPOSED, PlanRunState.RUNNING)


class PlanTrigger(models.TextChoices):
    MANUAL = "manual", "Started by hand"
    CAP = "cap", "A CAP alert"
    THRESHOLD = "threshold", "A threshold alarm"
