"""CAP alerts in (pushed or polled, kept whole; refused ones with their reason), the feeds the
platform polls, the geocodes it knows, and the alerts the city publishes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from emergency.choices import (
    AlertState,
    MsgType,
    Origin,
    RefusalReason,
    ThresholdKind,
    ThresholdMetric,
)

# The plans are models of this app kept in their own module: Django finds them through this one.
from emergency.models_plans import EmergencyPlan, PlanRun  # noqa: F401

USER = settings.AUTH_USER_MODEL


class CapFeed(models.Model):
    """A CAP Atom or RSS feed polled every `interval_s` (the beat task looks every 30 s).
    An untrusted feed's alerts are kept and shown but raise no alarm (a feed on trial)."""

    name = models.SlugField(max_length=64, unique=True)
    url = models.URLField(max_length=500)
    interval_s = models.PositiveIntegerField(default=300, validators=[MinValueValidator(30)])
    trusted = models.BooleanField(default=True, help_text="Its alerts may raise alarms")
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZoneGeocode(models.Model):
    """A CAP geocode (valueName, value) standing for a zone: an alert naming it meets the zone
    whatever its polygons say (e.g. the Environment Agency's flood area codes)."""

    value_name = models.CharField(max_length=100)
    value = models.CharField(max_length=100)
    zone = models.ForeignKey("devices.Zone", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["value_name", "value"]
        constraints = [
            models.UniqueConstraint(fields=["value_name", "value", "zone"], name="geocode_once"),
        ]

    def __str__(self) -> str:
        return f"{self.value_name}={self.value} → zone {self.zone_id}"


class CapReceipt(models.Model):
    """A pushed request's signature already accepted: the same signed body twice is a replay."""

    source = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "signature"], name="cap_receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.signature[:12]}…"


class CapAlert(models.Model):
    """One CAP message received, its first `info` block read out, the whole XML kept."""

    identifier = models.CharField(max_length=200)
    sender = models.CharField(max_length=200)
    sent = models.DateTimeField()
    status = models.CharField(max_length=10)
    msg_type = models.CharField(max_length=6, choices=MsgType.choices)
    scope = models.CharField(max_length=10)
    references = models.TextField(blank=True, help_text="CAP: sender,identifier,sent …")
    event = models.CharField(max_length=200, blank=True)
    headline = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    instruction = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    severity = models.CharField(max_length=10, blank=True)
    certainty = models.CharField(max_length=10, blank=True)
    effective = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True, db_index=True)
    areas = models.JSONField(default=list, blank=True, help_text="areaDesc and shapes, as sent")
    zones = models.ManyToManyField("devices.Zone", blank=True, related_name="+")
    state = models.CharField(max_length=12, choices=AlertState.choices)
    state_reason = models.CharField(max_length=300, blank=True)
    alarm = models.ForeignKey(
        "cctv.Alarm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(max_length=4, choices=Origin.choices)
    origin_name = models.CharField(max_length=64, help_text="The source or feed")
    # A polled alert's URL, or its feed entry's id (often a URN) when the entry holds it inline.
    url = models.CharField(max_length=500, blank=True, help_text="The alert's URL or feed entry id")
    received_at = models.DateTimeField()
    xml = models.TextField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "identifier", "sent"], name="cap_alert_once"),
        ]
        indexes = [models.Index(fields=["state", "expires"])]

    def __str__(self) -> str:
        return f"{self.msg_type} {self.identifier} ({self.state})"


class RefusedAlert(models.Model):
    """A CAP message refused, with the reason, as the sender sent it (cut to 64 kB)."""

    received_at = models.DateTimeField(db_index=True)
    origin = models.CharField(max_length=4, choices=Origin.choices)
    origin_name = models.CharField(max_length=64)
    url = models.CharField(max_length=500, blank=True, help_text="The alert's URL or feed entry id")
    reason = models.CharField(max_length=14, choices=RefusalReason.choices)
    detail = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.origin_name}: {self.reason}"


class PublishedAlert(models.Model):
    """A CAP message the city publishes (`/cap/alerts/{id}.xml`). An update or a cancel is a
    message of its own that `replaces` the one before; the last of a chain is the current."""

    identifier = models.CharField(max_length=200, unique=True)
    msg_type = models.CharField(max_length=6, choices=MsgType.choices, default=MsgType.ALERT)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    sent = models.DateTimeField()
    event = models.CharField(max_length=200)
    headline = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    instruction = models.TextField(blank=True)
    category = models.CharField(max_length=10, default="Safety")
    urgency = models.CharField(max_length=10, default="Immediate")
    severity = models.CharField(max_length=10, default="Severe")
    certainty = models.CharField(max_length=10, default="Observed")
    expires = models.DateTimeField(null=True, blank=True)
    zones = models.ManyToManyField("devices.Zone", related_name="+")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent", "-id"]
        permissions = [("publish_alert", "Can publish, update and cancel public CAP alerts")]

    def __str__(self) -> str:
        return f"{self.msg_type} {self.identifier}"


class ThresholdRule(models.Model):
    """A rule on sensors' telemetry (emergency/thresholds.py): one sensor, or every sensor that
    `measures` this (e.g. flood_level). Raises an alarm in the security queue and clears it."""

    name = models.CharField(max_length=100)
    asset = models.ForeignKey(
        "devices.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    measures = models.CharField(max_length=50, blank=True, help_text="All sensors measuring this")
    metric = models.CharField(max_length=12, choices=ThresholdMetric.choices)
    kind = models.CharField(max_length=5, choices=ThresholdKind.choices)
    level = models.FloatField()
    clear_level = models.FloatField(null=True, blank=True, help_text="Hysteresis; empty: level")
    for_s = models.PositiveIntegerField(default=0, help_text="Holds at least this long")
    window_min = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1)], help_text="Rise: over this many minutes"
    )
    priority = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(255)]
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(asset__isnull=False) & models.Q(measures=""))
                | (models.Q(asset__isnull=True) & ~models.Q(measures="")),
                name="threshold_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThresholdState(models.Model):
    """A rule's state for one sensor: its open alarm, since when the change holds, the newest
    sample judged."""

    rule = models.ForeignKey(ThresholdRule, on_delete=models.CASCADE, related_name="states")
    asset = models.ForeignKey("devices.Asset", on_delete=models.CASCADE, related_name="+")
    raised = models.BooleanField(default=False)
    alarm = models.ForeignKey(
        "cctv.Alarm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateTimeField(null=True, blank=True)
    last_ts = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "asset"], name="threshold_state_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.asset_id}"
