"""The cctv app's models: event sources and their secrets, events, alarm rules, alarms,
legal holds, evidence exports and the disclosure log."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cctv.choices import (
    OPEN_ALARM_STATES,
    AlarmAction,
    AlarmCategory,
    AlarmResolution,
    AlarmState,
    EventRejectReason,
    EventStatus,
    LightScope,
    TechnicalCondition,
    TimeWindow,
)
from devices.choices import AssetKind

USER = settings.AUTH_USER_MODEL


class EventSource(models.Model):
    """A video management system (or other system) that posts events to the signed webhook,
    for the cameras it is bound to and no others (a source bound to none may send nothing)."""

    name = models.SlugField(max_length=64, unique=True, help_text="Sent in the X-Source header")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cameras = models.ManyToManyField(
        "devices.Asset",
        blank=True,
        related_name="event_sources",
        limit_choices_to={"kind": AssetKind.CAMERA},
        help_text="The cameras this source may send events for",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceSecret(models.Model):
    """An HMAC secret of a source. Rotation adds a new secret and lets the old one run out
    (`valid_until`), so the sender can switch without losing events."""

    source = models.ForeignKey(EventSource, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, help_text="None: until rotated")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"secret of {self.source_id} from {self.created_at:%Y-%m-%d}"


class WebhookReceipt(models.Model):
    """A signature already accepted: the same signed body twice is a replay."""

    source = models.ForeignKey(EventSource, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "signature"], name="webhook_receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.signature[:12]}…"


class Event(models.Model):
    """One camera analytics, technical or sensor event, stored once per (device, event id).

    The same event reaching the platform by several paths (MQTT twice, the VMS webhook) shares
    the event id the camera gave it, so (device, event id) is the key whatever the path; the
    path it first came by is kept in `source`.
    """

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey("devices.Asset", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=128)
    source = models.CharField(max_length=80, help_text="mqtt, frigate, webhook:<source>, …")
    ts = models.DateTimeField()
    end_ts = models.DateTimeField(null=True, blank=True)
    type = models.CharField(max_length=64)
    confidence = models.FloatField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    zone = models.ForeignKey(
        "devices.Zone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zones = models.JSONField(default=list, blank=True, help_text="Zone names the source gave")
    attributes = models.JSONField(default=dict, blank=True)
    snapshot_ref = models.CharField(max_length=500, blank=True, help_text="Where the VMS keeps it")
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.ACCEPTED
    )
    reject_reason = models.CharField(max_length=20, choices=EventRejectReason.choices, blank=True)
    stripped = models.JSONField(default=list, blank=True, help_text="Identity fields removed")
    updates = models.PositiveIntegerField(default=0, help_text="Update messages folded in")
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # Filled by the correlation of events with lighting (the level around the camera then).
    lighting_context = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-ts", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="cctv_event_once"),
        ]
        indexes = [
            models.Index(fields=["device", "-ts"]),
            models.Index(fields=["type", "-ts"]),
            models.Index(fields=["zone", "-ts"]),
            models.Index(fields=["ts"]),
            models.Index(
                fields=["received_at"],
                condition=Q(evaluated_at__isnull=True),
                name="cctv_event_unevaluated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} @ {self.device_id}"


class AlarmRule(models.Model):
    """Which events raise an alarm, when, how urgent, and what the lights do about it."""

    name = models.CharField(max_length=200, unique=True)
    enabled = models.BooleanField(default=True)
    event_types = models.JSONField(default=list, help_text="Event types that trigger the rule")
    cameras = models.ManyToManyField("devices.Asset", blank=True, related_name="+")
    zones = models.ManyToManyField("devices.Zone", blank=True, related_name="+")
    min_confidence = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    window = models.CharField(max_length=10, choices=TimeWindow.choices, default=TimeWindow.ALWAYS)
    window_start = models.TimeField(null=True, blank=True, help_text="Fixed hours: local start")
    window_end = models.TimeField(null=True, blank=True, help_text="Fixed hours: local end")
    priority = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(255)],
        help_text="1 most urgent … 255",
    )
    category = models.CharField(
        max_length=10, choices=AlarmCategory.choices, default=AlarmCategory.SECURITY
    )
    retrigger_s = models.PositiveIntegerField(
        default=300, help_text="Repeats within this many seconds update the open alarm"
    )
    light_scope = models.CharField(
        max_length=10, choices=LightScope.choices, default=LightScope.NONE, blank=True
    )
    light_level = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    light_radius_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(1)])
    light_duration_s = models.PositiveIntegerField(null=True, blank=True)
    light_extend = models.BooleanField(
        default=False, help_text="Keep the lights up while the alarm stays open"
    )
    light_max_s = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bound of the extension (seconds from the start)"
    )
    respond_only_when_dim = models.BooleanField(
        default=False,
        help_text="Brighten only when the event's scene was dark and dim (lighting context)",
    )
    dim_level = models.FloatField(
        default=40,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Dim: the mean reported level of the camera's lights below this, in %",
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_lighting(self) -> bool:
        return bool(self.light_scope) and self.light_level is not None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not isinstance(self.event_types, list) or not all(
            isinstance(t, str) and t for t in self.event_types
        ):
            errors["event_types"] = "A list of event type names."
        elif not self.event_types:
            errors["event_types"] = "Name at least one event type."
        if self.window == TimeWindow.HOURS and (self.window_start is None or not self.window_end):
            errors["window_start"] = "Fixed hours need a start and an end."
        if self.light_scope:
            if self.light_level is None:
                errors["light_level"] = "A lighting response needs a level."
            if not self.light_duration_s:
                errors["light_duration_s"] = "A lighting response needs a duration."
            if self.light_scope == LightScope.RADIUS and not self.light_radius_m:
                errors["light_radius_m"] = "A radius response needs a radius."
            if self.light_extend and not self.light_max_s:
                errors["light_max_s"] = "An extended response needs a bound."
            if (
                self.light_max_s
                and self.light_duration_s
                and self.light_max_s < self.light_duration_s
            ):
                errors["light_max_s"] = "The bound must be at least the duration."
        if self.category == AlarmCategory.TECHNICAL:
            errors["category"] = "Technical alarms are raised by the platform, not by rules."
        if errors:
            raise ValidationError(errors)


class Alarm(models.Model):
    """An alarm in the queue, its life-cycle, who did what and when, and its lighting response."""

    rule = models.ForeignKey(
        AlarmRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alarms"
    )
    camera = models.ForeignKey("devices.Asset", on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey(
        "devices.Zone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=10, choices=AlarmCategory.choices)
    priority = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(255)]
    )
    condition = models.CharField(
        max_length=12,
        choices=TechnicalCondition.choices,
        blank=True,
        help_text="Technical alarms: the condition that closes the alarm when it clears",
    )
    state = models.CharField(max_length=14, choices=AlarmState.choices, default=AlarmState.NEW)
    resolution = models.CharField(max_length=12, choices=AlarmResolution.choices, blank=True)
    raised_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    events = models.ManyToManyField(Event, through="AlarmEvent", related_name="alarms")
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)
    # The lighting response: the override (lighting app) and what was asked of it.
    override_id = models.BigIntegerField(null=True, blank=True)
    lighting = models.JSONField(default=dict, blank=True)
    # The lighting at the camera when the raising event happened (copied from the event).
    lighting_context = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "-raised_at"]
        permissions = [
            ("work_alarm", "Can acknowledge, assign, hold, close and annotate alarms"),
            ("view_welfare_alarm", "Can see and handle welfare alarms"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "condition"],
                condition=Q(state__in=[s.value for s in OPEN_ALARM_STATES]) & ~Q(condition=""),
                name="cctv_one_open_technical_alarm",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "priority", "-raised_at"]),
            models.Index(fields=["rule", "camera", "state"]),
            models.Index(fields=["closed_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state != AlarmState.CLOSED


class AlarmEvent(models.Model):
    """An event that fed an alarm."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alarm", "event"], name="cctv_alarm_event_once"),
        ]

    def __str__(self) -> str:
        return f"alarm {self.alarm_id} ← event {self.event_id}"


class AlarmLog(models.Model):
    """The alarm's timeline: each step, who and when, with the operator's notes."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    action = models.CharField(max_length=12, choices=AlarmAction.choices)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150)
    text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"alarm {self.alarm_id} {self.action} by {self.actor_label}"


class LegalHold(models.Model):
    """Records kept beyond the retention period for a reason, under an owner, until reviewed
    (at most 12 months ahead; DOMAIN.md: evidential footage up to 12 months under review)."""

    reason = models.TextField()
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    review_due = models.DateField()
    events = models.ManyToManyField(Event, blank=True, related_name="holds")
    alarms = models.ManyToManyField(Alarm, blank=True, related_name="holds")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_evidence", "Can place legal holds and export evidence")]

    def __str__(self) -> str:
        return f"hold {self.pk}: {self.reason[:40]}"


class PurgeRun(models.Model):
    """What one retention purge deleted."""

    at = models.DateTimeField()
    cutoff = models.DateTimeField()
    events_deleted = models.PositiveIntegerField(default=0)
    alarms_deleted = models.PositiveIntegerField(default=0)
    snapshots_deleted = models.PositiveIntegerField(default=0)
    events_held = models.PositiveIntegerField(default=0)
    alarms_held = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"purge {self.at:%Y-%m-%d %H:%M}: {self.events_deleted} events"


class EvidenceExport(models.Model):
    """An evidence package (ZIP): what it holds, its exhibit reference, who, why, for whom."""

    exhibit_ref = models.CharField(max_length=64, unique=True)
    alarm = models.ForeignKey(Alarm, null=True, blank=True, on_delete=models.SET_NULL)
    camera = models.ForeignKey(
        "devices.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    purpose = models.TextField(help_text="Why it is exported")
    requested_by = models.CharField(max_length=200, help_text="For whom (name, organisation)")
    exported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField()
    file = models.CharField(max_length=500)
    package_sha256 = models.CharField(max_length=64)
    manifest = models.JSONField(default=dict)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return self.exhibit_ref


class Disclosure(models.Model):
    """The disclosure log (ICO): date, recipient and organisation, reason, method."""

    export = models.ForeignKey(EvidenceExport, on_delete=models.PROTECT, related_name="disclosures")
    disclosed_on = models.DateField()
    recipient = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    reason = models.TextField()
    method = models.CharField(max_length=100, blank=True, help_text="e.g. encrypted USB, portal")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-disclosed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.export_id} → {self.recipient} ({self.organisation})"


class AlarmLatency(models.Model):
    """How long the alert path took for one alarm: event received → lighting context →
    alarm raised → override created → commands queued (→ published, once the gateway marks
    the commands sent). Each instant is the platform's clock when the step finished."""

    alarm = models.OneToOneField(Alarm, on_delete=models.CASCADE, related_name="latency")
    event = models.ForeignKey(Event, null=True, on_delete=models.SET_NULL, related_name="+")
    event_ts = models.DateTimeField(help_text="The event's own time (the camera's clock)")
    received_at = models.DateTimeField(help_text="Stored by the platform")
    context_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    override_at = models.DateTimeField(null=True, blank=True)
    commands_queued_at = models.DateTimeField(null=True, blank=True)
    commands_published_at = models.DateTimeField(
        null=True, blank=True, help_text="The last of the override's commands marked sent"
    )
    commands = models.PositiveIntegerField(default=0, help_text="Counted with the sent instant")

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["raised_at"])]

    def __str__(self) -> str:
        return f"latency of alarm {self.alarm_id}"

    def ms(self, start: str, end: str) -> float | None:
        a, b = getattr(self, start), getattr(self, end)
        return None if a is None or b is None else (b - a).total_seconds() * 1000


class ZoneHour(models.Model):
    """One zone's hour, as the periodic analytics computed it (re-computed whole; idempotent).

    Light-time shares are over the zone's lights (reported levels, time-weighted); the dark
    shares are over the part of the hour between dusk and dawn, split into boost-lit (a `max`
    override in force), dim (unboosted, under the dim level) and lit (unboosted, at or above
    it). Events are the accepted events of the zone's cameras, by type, and the same split by
    their lighting context.
    """

    zone = models.ForeignKey("devices.Zone", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(help_text="Start of the hour (UTC)")
    events = models.JSONField(default=dict, help_text="type → count")
    events_dim = models.JSONField(default=dict, help_text="dark, unboosted, dim: type → count")
    events_lit = models.JSONField(default=dict, help_text="dark, unboosted, lit: type → count")
    events_boosted = models.JSONField(default=dict, help_text="dark, boost-lit: type → count")
    lights = models.PositiveIntegerField(default=0)
    cameras = models.PositiveIntegerField(default=0)
    mean_level = models.FloatField(null=True, help_text="Time-weighted mean reported level, %")
    boost_share = models.FloatField(null=True, help_text="Share of light-time under a boost")
    dark_fraction = models.FloatField(default=0, help_text="Share of the hour between dusk, dawn")
    dark_dim_share = models.FloatField(null=True, help_text="Of the dark light-time: dim")
    dark_lit_share = models.FloatField(null=True, help_text="Of the dark light-time: lit")
    dark_boost_share = models.FloatField(null=True, help_text="Of the dark light-time: boosted")
    camera_uptime = models.FloatField(null=True, help_text="Share of camera-time online")
    footfall = models.FloatField(null=True, help_text="People counted (footfall sensors)")
    dim_level = models.FloatField(help_text="The dim level used, %")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["hour", "zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "hour"], name="cctv_zone_hour_once"),
        ]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.zone_id} @ {self.hour:%Y-%m-%d %H}:00"


class AnalyticsReport(models.Model):
    """The hotspots and recommendations of one period, as the nightly task computed them from
    the zone-hour analytics (all zones, every event type). A re-run for the same period replaces
    its report: one per period. The API's hotspot and recommendation endpoints compute any
    period on request; the reports keep what each night found, to compare over time."""

    since = models.DateTimeField(help_text="Start of the period (UTC, whole hour)")
    until = models.DateTimeField(help_text="End of the period, exclusive")
    hotspots = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    recommendations = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    dim_level = models.FloatField(help_text="The dim level used, %")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-until", "-since"]
        constraints = [
            models.UniqueConstraint(fields=["since", "until"], name="cctv_report_once"),
        ]

    def __str__(self) -> str:
        return f"analytics {self.since:%Y-%m-%d} – {self.until:%Y-%m-%d}"
