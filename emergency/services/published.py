"""The city's own public alerts (CAP 1.2 out): a supervisor publishes what, where (zones) and
what to do; an update or a cancel is a new message that `replaces` the current one and
references it, as CAP says (`references`: sender,identifier,sent of the message replaced)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, actor_fields, audit_record
from devices.selectors.registry import zones_list
from emergency.choices import MsgType
from emergency.models import PublishedAlert
from emergency.signals import (
    published_cancelled,
    published_issued,
    published_updated,
    send_on_commit,
)

CHANGEABLE = (
    "event",
    "headline",
    "description",
    "instruction",
    "category",
    "urgency",
    "severity",
    "certainty",
    "expires",
)


def _identifier() -> str:
    domain = settings.CAP_SENDER.rpartition("@")[2] or "city"
    return f"{domain}-{uuid.uuid4().hex}"


def _zones_checked(zone_ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(zone_ids))
    found = set(zones_list().filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if not wanted or missing:
        raise ApplicationError(
            "Name the zones the alert covers.",
            extra={"fields": {"zones": [f"unknown zones {missing}" if missing else "empty"]}},
        )
    return wanted


def _expires_checked(expires: datetime | None, sent: datetime) -> None:
    """An alert ends after it is sent: an `expires` already past would publish a warning that
    every reader drops at once (CAP: the expiry time of the information)."""
    if expires is not None and expires <= sent:
        message = "expires must be later than now: this alert would have ended already"
        raise ApplicationError(message, extra={"fields": {"expires": [message]}})


def _save(alert: PublishedAlert, zone_ids: list[int], actor: Actor, action: str) -> None:
    alert.created_by = actor_fields(actor)[0]
    alert.full_clean()
    alert.save()
    alert.zones.set(zone_ids)
    audit_record(
        actor=actor,
        action=f"emergency.alert_{action}",
        target=alert,
        details={"identifier": alert.identifier, "msg_type": alert.msg_type, "zones": zone_ids},
    )


@transaction.atomic
def published_alert_create(
    *,
    event: str,
    headline: str,
    zone_ids: Sequence[int],
    actor: Actor,
    instruction: str = "",
    description: str = "",
    category: str = "Safety",
    urgency: str = "Immediate",
    severity: str = "Severe",
    certainty: str = "Observed",
    expires: datetime | None = None,
) -> PublishedAlert:
    zone_ids = _zones_checked(zone_ids)
    _expires_checked(expires, timezone.now())
    alert = PublishedAlert(
        identifier=_identifier(),
        msg_type=MsgType.ALERT,
        sent=timezone.now(),
        event=event,
        headline=headline,
        description=description,
        instruction=instruction,
        category=category,
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        expires=expires,
    )
    _save(alert, zone_ids, actor, "published")
    send_on_commit(published_issued, sender=PublishedAlert, alert=alert)
    return alert


def _current(alert: PublishedAlert) -> PublishedAlert:
    alert = PublishedAlert.objects.select_for_update().get(pk=alert.pk)
    if PublishedAlert.objects.filter(replaces=alert).exists():
        raise ApplicationError(
            "This alert was replaced: update or cancel the current message.",
            status_code=status.HTTP_409_CONFLICT,
        )
    if alert.msg_type == MsgType.CANCEL:
        raise ApplicationError("This alert was cancelled.", status_code=status.HTTP_409_CONFLICT)
    return alert


def _successor(alert: PublishedAlert, msg_type: str) -> PublishedAlert:
    return PublishedAlert(
        identifier=_identifier(),
        msg_type=msg_type,
        replaces=alert,
        sent=max(timezone.now(), alert.sent),
        **{name: getattr(alert, name) for name in CHANGEABLE},
    )


@transaction.atomic
def published_alert_update(
    *, alert: PublishedAlert, actor: Actor, zone_ids: Sequence[int] | None = None, **changes
) -> PublishedAlert:
    """A new message (msgType Update) replacing the current one, with these changes."""
    refused = sorted(set(changes) - set(CHANGEABLE))
    if refused:
        raise ApplicationError(
            f"{', '.join(refused)} cannot be changed here",
            extra={"fields": {name: ["cannot be changed here"] for name in refused}},
        )
    alert = _current(alert)
    zones = (
        _zones_checked(zone_ids)
        if zone_ids is not None
        else list(alert.zones.values_list("pk", flat=True))
    )
    update = _successor(alert, MsgType.UPDATE)
    if "expires" in changes:
        _expires_checked(changes["expires"], update.sent)
    for name, value in changes.items():
        setattr(update, name, value)
    _save(update, zones, actor, "updated")
    send_on_commit(published_updated, sender=PublishedAlert, alert=update)
    return update


@transaction.atomic
def published_alert_cancel(
    *, alert: PublishedAlert, actor: Actor, note: str = ""
) -> PublishedAlert:
    """A new message (msgType Cancel, responseType AllClear) ending the current one."""
    alert = _current(alert)
    cancel = _successor(alert, MsgType.CANCEL)
    if note:
        cancel.description = note
    cancel.urgency, cancel.certainty = "Past", "Observed"
    _save(cancel, list(alert.zones.values_list("pk", flat=True)), actor, "cancelled")
    send_on_commit(published_cancelled, sender=PublishedAlert, alert=cancel)
    return cancel
