"""One attempt of a delivery, logged (DeliveryAttempt), and where the delivery stands after it:
sent, retrying at `next_attempt_at` (exponential backoff from NOTIFY_RETRY_BACKOFF_S, at most
NOTIFY_RETRY_BACKOFF_MAX_S), or failed (after NOTIFY_MAX_ATTEMPTS attempts, or at once when the
failure is not worth retrying: a 4xx answer, an address the mail server refuses).

The delivery's row is locked while it is attempted, so the task and the beat sweep never send it
twice at once; a delivery sent or failed, or not yet due, is left as it is (idempotent)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.choices import PENDING, Channel, DeliveryStatus
from notifications.models import Delivery, DeliveryAttempt
from notifications.services.transports import Outcome, email_send, webhook_body, webhook_post

log = logging.getLogger(__name__)

# A task scheduled for `next_attempt_at` may start a little early (clocks, the broker's ETA).
EARLY = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status: str  # a DeliveryStatus, or "skipped" (not pending, or not due yet)
    retry_at: datetime | None = None


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: backoff, 2×, 4×…, capped."""
    seconds = settings.NOTIFY_RETRY_BACKOFF_S * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_BACKOFF_MAX_S))


def _send(delivery: Delivery) -> Outcome:
    recipient = delivery.recipient
    if not recipient.active:
        return Outcome(ok=False, error="the recipient was made inactive")
    if delivery.channel not in recipient.channels():
        return Outcome(ok=False, error=f"the recipient has no {delivery.channel} address any more")
    if delivery.channel == Channel.WEBHOOK:
        body, content_type = webhook_body(
            delivery_id=delivery.pk, payload=delivery.payload, cap_xml=delivery.cap_xml
        )
        return webhook_post(
            url=recipient.webhook_url,
            secret=recipient.webhook_secret,
            body=body,
            content_type=content_type,
            event_kind=delivery.event_kind,
            delivery_id=delivery.pk,
        )
    return email_send(
        to=recipient.email, subject=delivery.subject, body=delivery.body, cap_xml=delivery.cap_xml
    )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AttemptResult:
    """Attempts this delivery once if it is pending and due; logs the attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=delivery_id, status__in=PENDING)
            .first()
        )
        if delivery is None or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY
        ):
            return AttemptResult(status="skipped")
        outcome = _send(delivery)
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=DeliveryAttempt.objects.filter(delivery=delivery).count() + 1,
            at=now,
            ok=outcome.ok,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = (
                DeliveryStatus.SENT,
                timezone.now(),
                None,
            )
        elif outcome.retryable and delivery.attempts < settings.NOTIFY_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save(
            update_fields=["attempts", "last_error", "status", "sent_at", "next_attempt_at"]
        )
    if not outcome.ok:
        log.warning(
            "notification %s to %s by %s, attempt %s: %s (%s)",
            delivery.pk,
            delivery.recipient.slug,
            delivery.channel,
            delivery.attempts,
            outcome.error,
            delivery.status,
        )
    return AttemptResult(status=delivery.status, retry_at=delivery.next_attempt_at)
