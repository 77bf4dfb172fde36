"""Where events come from and the events themselves: webhook sources, their secrets and
receipts (replay protection), and each stored camera or sensor event."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cctv.choices import (
    EventRejectReason,
    EventStatus,
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
