"""NGSI-LD subscriptions (ETSI GS CIM 009 §5.2.12): what a subscriber watches, where its
notifications go, and the delivery status the standard defines (notification.status,
timesSent, lastNotification, lastSuccess, lastFailure)."""

from django.conf import settings
from django.db import models


class NotificationFormat(models.TextChoices):
    NORMALIZED = "normalized"
    KEY_VALUES = "keyValues"


class NotificationStatus(models.TextChoices):
    OK = "ok"
    FAILED = "failed"


class Subscription(models.Model):
    id = models.CharField(primary_key=True, max_length=255)  # urn:ngsi-ld:Subscription:<uuid>
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # [{"type": "Streetlight", "id"?: "urn:…", "idPattern"?: "regex"}]
    entities = models.JSONField(default=list)
    watched_attributes = models.JSONField(default=list)
    q = models.TextField(blank=True)
    attributes = models.JSONField(default=list)  # notification.attributes: what is sent
    format = models.CharField(
        max_length=16, choices=NotificationFormat.choices, default=NotificationFormat.NORMALIZED
    )
    endpoint_uri = models.URLField(max_length=1000)
    endpoint_accept = models.CharField(max_length=40, default="application/json")
    throttling = models.PositiveIntegerField(default=0)  # seconds between notifications
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, blank=True)
    times_sent = models.PositiveIntegerField(default=0)
    last_notification = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    last_failure = models.DateTimeField(null=True, blank=True)
    # Asset pks changed while throttled, sent together once the throttling period is over.
    pending = models.JSONField(default=list)
    flush_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["is_active"], name="ngsi_sub_active")]

    def __str__(self) -> str:
        return self.id
