"""Recipients (partners, people) and their subscriptions, set up by administrators: validated,
audited. A recipient's webhook secret is made here and handed back once (created, rotated)."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record, model_update
from devices.selectors.registry import zones_list
from notifications.models import Recipient, Subscription, webhook_secret_new

RECIPIENT_FIELDS = (
    "name",
    "slug",
    "kind",
    "email",
    "webhook_url",
    "wants_cap",
    "may_see_welfare",
    "active",
)


def _recipient_details(recipient: Recipient) -> dict[str, Any]:
    return {name: getattr(recipient, name) for name in RECIPIENT_FIELDS}


@transaction.atomic
def recipient_create(*, actor: Actor, **values: Any) -> Recipient:
    """A new recipient; its webhook secret is on the returned row (show it once)."""
    refused = sorted(set(values) - set(RECIPIENT_FIELDS))
    if refused:
        raise ApplicationError(
            f"{', '.join(refused)} cannot be set here",
            extra={"fields": {name: ["cannot be set here"] for name in refused}},
        )
    recipient = Recipient(**values)
    recipient.full_clean()
    recipient.save()
    audit_record(
        actor=actor,
        action="notifications.recipient_created",
        target=recipient,
        details=_recipient_details(recipient),
    )
    return recipient


def recipient_update(*, recipient: Recipient, data: dict[str, Any], actor: Actor) -> Recipient:
    return model_update(
        instance=recipient,
        data=data,
        allowed=RECIPIENT_FIELDS,
        actor=actor,
        action="notifications.recipient_changed",
        details=_recipient_details,
    )


@transaction.atomic
def recipient_secret_rotate(*, recipient: Recipient, actor: Actor) -> Recipient:
    """A new webhook secret (the old one stops signing at once); on the row returned."""
    recipient.webhook_secret = webhook_secret_new()
    recipient.save(update_fields=["webhook_secret"])
    audit_record(actor=actor, action="notifications.recipient_secret_rotated", target=recipient)
    return recipient


def _zones_checked(zone_ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(zone_ids))
    found = set(zones_list().filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ApplicationError(
            f"Unknown zones {missing}.", extra={"fields": {"zones": [f"unknown zones {missing}"]}}
        )
    return wanted


def _subscription_details(subscription: Subscription) -> dict[str, Any]:
    return {
        "recipient": subscription.recipient.slug,
        "event_kinds": subscription.event_kinds,
        "zones": sorted(subscription.zones.values_list("pk", flat=True)),
        "min_priority": subscription.min_priority,
    }


@transaction.atomic
def subscription_create(
    *,
    recipient: Recipient,
    actor: Actor,
    event_kinds: Sequence[str] = (),
    zone_ids: Sequence[int] = (),
    min_priority: int = 255,
) -> Subscription:
    zone_ids = _zones_checked(zone_ids)
    subscription = Subscription(
        recipient=recipient,
        event_kinds=sorted(set(event_kinds)),
        min_priority=min_priority,
    )
    subscription.full_clean()
    subscription.save()
    subscription.zones.set(zone_ids)
    audit_record(
        actor=actor,
        action="notifications.subscription_created",
        target=subscription,
        details=_subscription_details(subscription),
    )
    return subscription


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    actor: Actor,
    event_kinds: Sequence[str] | None = None,
    zone_ids: Sequence[int] | None = None,
    min_priority: int | None = None,
) -> Subscription:
    if event_kinds is not None:
        subscription.event_kinds = sorted(set(event_kinds))
    if min_priority is not None:
        subscription.min_priority = min_priority
    subscription.full_clean()
    subscription.save()
    if zone_ids is not None:
        subscription.zones.set(_zones_checked(zone_ids))
    audit_record(
        actor=actor,
        action="notifications.subscription_changed",
        target=subscription,
        details=_subscription_details(subscription),
    )
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, actor: Actor) -> None:
    details = _subscription_details(subscription)
    audit_record(
        actor=actor,
        action="notifications.subscription_deleted",
        target_type=subscription._meta.label_lower,
        target_id=subscription.pk,
        details=details,
    )
    subscription.delete()
