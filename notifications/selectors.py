"""Reads of the notifications app: recipients, subscriptions, the delivery log, and who wants
to hear of an event."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Q, QuerySet

from devices.selectors.lights import zone_descendants, zones_all
from notifications.choices import PENDING
from notifications.models import Delivery, Recipient, Subscription


def recipients_list() -> QuerySet[Recipient]:
    return Recipient.objects.all()


def subscriptions_list() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("recipient").prefetch_related("zones")


def deliveries_list() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("recipient").prefetch_related("attempt_log")


def deliveries_due_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Deliveries still to attempt whose time has come (a lost task is picked up here)."""
    due = Delivery.objects.filter(status__in=PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


def _subscription_matches(
    subscription: Subscription,
    *,
    event_kind: str,
    zone_ids: set[int],
    priority: int | None,
    expanded: dict[int, set[int]],
) -> bool:
    if subscription.event_kinds and event_kind not in subscription.event_kinds:
        return False
    if priority is not None and priority > subscription.min_priority:
        return False
    wanted = [z.pk for z in subscription.zones.all()]
    if not wanted:
        return True
    covered = set().union(*(expanded[pk] for pk in wanted))
    return bool(covered & zone_ids)


def recipients_for(
    *,
    event_kind: str,
    zone_ids: Iterable[int],
    priority: int | None,
    slugs: Sequence[str] = (),
) -> tuple[list[Recipient], list[str]]:
    """The active recipients named (by slug) or subscribed to this event, each once, and the
    slugs that name no active recipient. A subscription's zone covers the zones inside it."""
    zone_ids = set(zone_ids)
    named = {r.slug: r for r in Recipient.objects.filter(slug__in=list(slugs), active=True)}
    unknown = [slug for slug in dict.fromkeys(slugs) if slug not in named]
    found = {r.pk: r for r in named.values()}
    subscriptions = (
        Subscription.objects.filter(recipient__active=True)
        .select_related("recipient")
        .prefetch_related("zones")
    )
    zones = None
    expanded: dict[int, set[int]] = {}
    for subscription in subscriptions:
        for zone in subscription.zones.all():
            if zone.pk not in expanded:
                zones = zones if zones is not None else zones_all()
                expanded[zone.pk] = zone_descendants(zone.pk, zones)
        if subscription.recipient_id not in found and _subscription_matches(
            subscription,
            event_kind=event_kind,
            zone_ids=zone_ids,
            priority=priority,
            expanded=expanded,
        ):
            found[subscription.recipient_id] = subscription.recipient
    return sorted(found.values(), key=lambda r: r.slug), unknown
