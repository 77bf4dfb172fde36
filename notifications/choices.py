"""The notifications app's enumerations."""

from django.db import models


class RecipientKind(models.TextChoices):
    PARTNER = "partner", "Partner organisation"  # police, fire, utilities, the council's teams
    PERSON = "person", "Person"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"  # an attempt failed; the next is at `next_attempt_at`
    FAILED = "failed", "Failed"  # NOTIFY_MAX_ATTEMPTS attempts failed (an administrator may retry)


# Deliveries still to attempt (the task and the beat sweep look at these).
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)


class EventKind(models.TextChoices):
    """What a notification is about; a subscription names the kinds it wants."""

    ALERT_RECEIVED = "alert.received", "Official warning acted on (CAP in)"
    ALERT_ENDED = "alert.ended", "Official warning ended"
    PUBLISHED_ISSUED = "published.issued", "City alert issued (CAP out)"
    PUBLISHED_UPDATED = "published.updated", "City alert updated"
    PUBLISHED_CANCELLED = "published.cancelled", "City alert cancelled"
    PLAN_STARTED = "plan.started", "Emergency plan started"
    PLAN_STOPPED = "plan.stopped", "Emergency plan stopped"
    ALARM_ESCALATED = "alarm.escalated", "Alarm escalated"
    INCIDENT = "incident", "Incident"
