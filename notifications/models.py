"""Who the platform notifies (partners and people), what each wants to hear of, and every
delivery made to them with each of its attempts (the delivery log)."""

import secrets

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models

from notifications.choices import Channel, DeliveryStatus, EventKind, RecipientKind


def webhook_secret_new() -> str:
    return secrets.token_hex(32)


class Recipient(models.Model):
    """A partner organisation or a person: an e-mail address, a webhook, or both.

    `webhook_secret` signs the webhooks (X-Signature); it is shown to administrators once, when
    made (created or rotated), never listed. `wants_cap`: public alerts come as CAP 1.2 XML
    (attached to the e-mail; the webhook's body). `may_see_welfare`: a welfare alarm's details
    are sent to this recipient (others get a neutral text)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=RecipientKind.choices)
    email = models.EmailField(blank=True)
    webhook_url = models.URLField(
        max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    webhook_secret = models.CharField(max_length=64, default=webhook_secret_new, editable=False)
    wants_cap = models.BooleanField(default=False, help_text="Public alerts as CAP 1.2 XML")
    may_see_welfare = models.BooleanField(
        default=False, help_text="Receives the details of welfare alarms"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(webhook_url=""),
                name="recipient_has_a_channel",
                violation_error_message="Give an e-mail address or a webhook URL (or both).",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def channels(self) -> list[str]:
        addresses = ((Channel.EMAIL, self.email), (Channel.WEBHOOK, self.webhook_url))
        return [channel for channel, address in addresses if address]


class Subscription(models.Model):
    """A recipient wants these event kinds (all when empty), in these zones (anywhere when
    empty; a zone includes the zones inside it), at this priority or more urgent (1 is the
    most urgent; an event without a priority always passes)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="subscriptions")
    event_kinds = ArrayField(
        models.CharField(max_length=32, choices=EventKind.choices), default=list, blank=True
    )
    zones = models.ManyToManyField("devices.Zone", blank=True, related_name="+")
    min_priority = models.PositiveSmallIntegerField(
        default=255, validators=[MinValueValidator(1), MaxValueValidator(255)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient", "pk"]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {','.join(self.event_kinds) or 'all'}"


class Delivery(models.Model):
    """One notification to one recipient on one channel, as sent (subject, body or payload,
    the CAP document when there is one), and where it stands."""

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    event_kind = models.CharField(max_length=32, choices=EventKind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="The e-mail's text")
    payload = models.JSONField(default=dict, blank=True, help_text="The webhook's JSON")
    cap_xml = models.TextField(blank=True, help_text="Sent as CAP 1.2 (attached, or the body)")
    welfare_withheld = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "deliveries"
        permissions = [("retry_delivery", "Can retry a failed notification delivery")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event_kind} → {self.recipient_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try of a delivery: when, how it went (the HTTP status or the SMTP error), how long
    it took. The log that shows a partner's retries and their backoff."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {'ok' if self.ok else 'failed'}"
