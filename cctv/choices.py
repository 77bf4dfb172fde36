"""Every choice of the cctv app, in one place."""

from django.db import models


class EventStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected (not alarmed)"


class EventRejectReason(models.TextChoices):
    NOT_ALLOWED = "not_allowed", "Type outside the camera's analytics allowlist"
    NO_ALLOWLIST = "no_allowlist", "Camera has no analytics allowlist"
    BIOMETRIC = "biometric", "Biometric identification is not allowed"


class AlarmState(models.TextChoices):
    """Milestone XProtect's states: New → In progress (acknowledged) → On hold → Closed."""

    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged (in progress)"
    ON_HOLD = "on_hold", "On hold"
    CLOSED = "closed", "Closed"


OPEN_ALARM_STATES = (AlarmState.NEW, AlarmState.ACKNOWLEDGED, AlarmState.ON_HOLD)


class AlarmResolution(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    FALSE_ALARM = "false_alarm", "False alarm"


class AlarmCategory(models.TextChoices):
    SECURITY = "security", "Security"
    WELFARE = "welfare", "Welfare"
    SAFETY = "safety", "Safety"
    TECHNICAL = "technical", "Technical"
    EMERGENCY = "emergency", "Emergency"  # an official warning (CAP) meeting the city


class TimeWindow(models.TextChoices):
    ALWAYS = "always", "Always"
    DARK = "dark", "Between dusk and dawn"
    HOURS = "hours", "Fixed hours"


class LightScope(models.TextChoices):
    NONE = "", "No lighting response"
    LINKED = "linked", "The camera's linked lights"
    RADIUS = "radius", "Lights within a radius of the camera"
    ZONE = "zone", "The camera's zone"


class AlarmAction(models.TextChoices):
    RAISED = "raised", "Raised"
    RETRIGGERED = "retriggered", "Re-triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ASSIGNED = "assigned", "Assigned"
    HELD = "held", "Put on hold"
    CLOSED = "closed", "Closed"
    NOTE = "note", "Note added"
    LIGHTING = "lighting", "Lighting response"


class TechnicalCondition(models.TextChoices):
    """Conditions of a camera that raise technical alarms; the same names as devices' faults."""

    OFFLINE = "offline", "Camera offline"
    TAMPER = "tamper", "Tamper"
    VIDEO_LOSS = "video_loss", "Video loss"


# Event types that report a technical condition of the camera itself (not analytics of people).
TECHNICAL_EVENT_TYPES = frozenset({TechnicalCondition.TAMPER, TechnicalCondition.VIDEO_LOSS})

# Event types that are welfare matters (early warning at high-risk sites): seen only by those
# allowed to handle welfare alarms, in the API and on the live channel.
VULNERABLE_PERSON = "vulnerable_person"  # an analytics event type (camera allowlists name it)
WELFARE_EVENT_TYPES = frozenset({VULNERABLE_PERSON})


class LawfulBasis(models.TextChoices):
    """UK GDPR article 6 (and the DPA 2018 part 3 for law enforcement) bases a purpose rests on."""

    PUBLIC_TASK = "public_task", "Public task (UK GDPR art. 6(1)(e))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (UK GDPR art. 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (UK GDPR art. 6(1)(d))"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement (DPA 2018 part 3)"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (UK GDPR art. 6(1)(f))"
