"""Alarm rules, the alarms they raise, the events that fed each alarm and its timeline."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cctv.choices import (
    OPEN_ALARM_STATES,
    AlarmAction,
    AlarmCategory,
    AlarmResolution,
    AlarmState,
    LightScope,
    TechnicalCondition,
    TimeWindow,
)
from cctv.models.events import Event

USER = settings.AUTH_USER_MODEL


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
    # None for an alarm no camera raised (an emergency warning, which names zones instead).
    camera = models.ForeignKey(
        "devices.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(
        "devices.Zone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zones = models.ManyToManyField(
        "devices.Zone", blank=True, related_name="+", help_text="All the zones an alarm covers"
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
