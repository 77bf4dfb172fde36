"""What to send to whom: `notify` resolves the recipients of an event (named by slug, or
subscribed to its kind, zones and priority), writes one Delivery per recipient and channel in
the caller's transaction, and queues each after the commit (a rolled-back alarm notifies no
one). A welfare alarm's details go only to recipients allowed to see them; the others get a
neutral text. An administrator may retry a failed delivery (`delivery_retry`)."""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from rest_framework import status

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from notifications.choices import DeliveryStatus, EventKind
from notifications.models import Delivery, Recipient
from notifications.selectors import recipients_for
from notifications.tasks import delivery_send as delivery_send_task

log = logging.getLogger(__name__)

# What a recipient not allowed to see welfare alarms is told of one: that something needs the
# city's attention there, never what or who.
NEUTRAL_SUBJECT = "Security alarm"
NEUTRAL_TEXT = (
    "An alarm needs the city's attention in the zones named. Its details are available to "
    "authorised staff on the platform."
)


def _one_line(text: str, limit: int) -> str:
    """A subject for a mail header: one line (a newline would be a header injection)."""
    return " ".join(text.split())[:limit]


def _contents(
    recipient: Recipient,
    *,
    event_kind: str,
    subject: str,
    text: str,
    payload: dict[str, Any],
    zone_ids: list[int],
    priority: int | None,
    welfare: bool,
    cap_xml: str,
) -> dict[str, Any]:
    withheld = welfare and not recipient.may_see_welfare
    if withheld:
        subject, text, payload, cap_xml = NEUTRAL_SUBJECT, NEUTRAL_TEXT, {}, ""
    return {
        "subject": subject,
        "body": text,
        "payload": {
            "event": event_kind,
            "subject": subject,
            "text": text,
            "zones": zone_ids,
            "priority": priority,
            "data": payload,
        },
        "cap_xml": cap_xml if recipient.wants_cap else "",
        "welfare_withheld": withheld,
    }


def notify(
    event_kind: str,
    *,
    subject: str,
    text: str,
    payload: dict[str, Any] | None = None,
    zones: Iterable[int] = (),
    priority: int | None = None,
    welfare: bool = False,
    cap_xml: str | bytes | None = None,
    recipients: Sequence[str] = (),
) -> list[Delivery]:
    """Deliveries of this event to the recipients named (slugs) and those subscribed to it,
    on each of their channels; sent after the caller's transaction commits.

    `cap_xml`: the CAP 1.2 document of a public alert, for recipients who want CAP (attached
    to the e-mail; the webhook's body). `welfare`: the event is a welfare alarm."""
    if event_kind not in EventKind.values:
        raise ApplicationError(f"Unknown event kind {event_kind!r}.")
    zone_ids = sorted(set(zones))
    if isinstance(cap_xml, bytes):
        cap_xml = cap_xml.decode("utf-8")
    found, unknown = recipients_for(
        event_kind=event_kind, zone_ids=zone_ids, priority=priority, slugs=recipients
    )
    if unknown:
        log.warning("notification %s names no active recipient %s", event_kind, unknown)
    deliveries = []
    with transaction.atomic():
        for recipient in found:
            contents = _contents(
                recipient,
                event_kind=event_kind,
                subject=_one_line(subject, 300),
                text=text,
                payload=payload or {},
                zone_ids=zone_ids,
                priority=priority,
                welfare=welfare,
                cap_xml=cap_xml or "",
            )
            for channel in recipient.channels():
                delivery = Delivery(
                    recipient=recipient, channel=channel, event_kind=event_kind, **contents
                )
                delivery.full_clean()
                delivery.save()
                deliveries.append(delivery)
        for delivery in deliveries:
            transaction.on_commit(lambda pk=delivery.pk: delivery_send_task.delay(pk))
    return deliveries


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: Actor) -> Delivery:
    """A failed delivery queued again, with NOTIFY_MAX_ATTEMPTS attempts afresh (the log keeps
    every attempt before)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise ApplicationError(
            f"Only a failed delivery can be retried; this one is {delivery.status}.",
            status_code=status.HTTP_409_CONFLICT,
        )
    previous = delivery.attempts
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.QUEUED, 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="notifications.delivery_retried",
        target=delivery,
        details={"attempts_before": previous, "last_error": delivery.last_error},
    )
    transaction.on_commit(lambda: delivery_send_task.delay(delivery.pk))
    return delivery
