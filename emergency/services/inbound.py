"""CAP alerts received, pushed (signed) or polled: refused with a reason kept, or stored and
acted on. An `Alert` meeting the city opens an emergency alarm on the zones it touches (cctv's
queue); an `Update` replaces the alerts it references (their alarm takes the new text,
priority and zones); a `Cancel` ends them; `expires` ends an alert (the beat sweep).

Only `status` Actual messages from a trusted origin are acted on; tests, exercises, drafts,
Ack and Error messages are kept (state "not acted on") and change nothing.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from cctv.services.emergency_alarms import (
    alarm_emergency_change,
    alarm_emergency_end,
    alarm_raise_emergency,
)
from cityplatform.api import ApplicationError
from cityplatform.services import audit_record
from emergency.cap.geometry import zones_met
from emergency.cap.parse import CapMessage, CapRefused, cap_parse
from emergency.cap.priority import alert_priority
from emergency.choices import LIVE_STATES, AlertState, MsgType, Origin, RefusalReason
from emergency.models import CapAlert, RefusedAlert
from emergency.selectors import (
    alerts_expired,
    alerts_referenced,
    zone_shapes,
    zones_of_geocodes,
)
from emergency.signals import alert_acted, alert_ended, send_on_commit

log = logging.getLogger(__name__)

BODY_KEPT = 64 * 1024


class Duplicate(Exception):
    """This sender's message (identifier, sent) was received before."""


def refusal_record(
    *, origin: str, origin_name: str, reason: str, detail: str, body: bytes, url: str = ""
) -> RefusedAlert:
    refusal = RefusedAlert(
        received_at=timezone.now(),
        origin=origin,
        origin_name=origin_name[:64],
        url=url[:500],
        reason=reason,
        detail=detail,
        body=body[:BODY_KEPT].decode("utf-8", errors="replace").replace("\x00", ""),
    )
    refusal.full_clean()
    refusal.save()
    log.warning("CAP message from %s refused: %s (%s)", origin_name, reason, detail[:200])
    return refusal


def alert_zones(message: CapMessage) -> list[int]:
    """The zones the alert's areas meet: geocodes standing for zones, then the polygons and
    circles against the zones of CAP_ZONE_KINDS; against the city's outline when they meet
    none of those (a warning over the river beside the wards)."""
    found = zones_of_geocodes([g for area in message.areas for g in area.geocodes])
    found += zones_met(message.areas, zone_shapes(kinds=tuple(settings.CAP_ZONE_KINDS)))
    if not found:
        found = zones_met(message.areas, zone_shapes(kinds=("city",)))
    return sorted(set(found))


def _title(message: CapMessage) -> str:
    what = message.event or "Emergency warning"
    where = ", ".join(a.desc for a in message.areas if a.desc)[:120]
    return f"{what}: {message.headline or where}"[:200]


def _actor(alert: CapAlert) -> str:
    return f"cap:{alert.origin_name}"


def _not_acted_reason(message: CapMessage, *, trusted: bool) -> str:
    if message.status != "Actual":
        return f"status {message.status}"
    if message.msg_type in (MsgType.ACK, MsgType.ERROR):
        return f"msgType {message.msg_type}"
    if not trusted:
        return "the feed is not trusted"
    return ""


def _store(message: CapMessage, *, body: bytes, origin: str, origin_name: str, url: str):
    alert = CapAlert(
        identifier=message.identifier[:200],
        sender=message.sender[:200],
        sent=message.sent,
        status=message.status,
        msg_type=message.msg_type,
        scope=message.scope,
        references=" ".join(",".join(r) for r in message.references),
        event=message.event,
        headline=message.headline,
        description=message.description,
        instruction=message.instruction,
        urgency=message.urgency,
        severity=message.severity,
        certainty=message.certainty,
        effective=message.effective,
        expires=message.expires,
        areas=[a.as_json() for a in message.areas],
        state=AlertState.NOT_ACTED,
        origin=origin,
        origin_name=origin_name[:64],
        url=url[:500],
        received_at=timezone.now(),
        xml=body.decode("utf-8", errors="replace"),
    )
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        raise Duplicate() from None
    return alert


def _end(alert: CapAlert, *, state: str, reason: str, actor: str) -> None:
    alert.state = state
    alert.state_reason = reason[:300]
    alert.save(update_fields=["state", "state_reason"])
    if alert.alarm_id is not None:
        alarm_emergency_end(alarm=alert.alarm, actor=actor, note=reason)
    send_on_commit(alert_ended, sender=CapAlert, alert=alert)


def _act(alert: CapAlert, message: CapMessage, *, now: datetime) -> None:
    actor = _actor(alert)
    # A sender updates and cancels its own alerts only (a reference to another's is ignored).
    previous = [
        p
        for p in alerts_referenced(message.references)
        if p.pk != alert.pk and p.sender == alert.sender
    ]
    if message.msg_type == MsgType.CANCEL:
        for old in previous:
            if old.state in LIVE_STATES:
                _end(
                    old,
                    state=AlertState.CANCELLED,
                    reason=f"cancelled by {alert.identifier}",
                    actor=actor,
                )
        alert.state, alert.state_reason = AlertState.CANCELLED, "a cancel message"
        alert.save(update_fields=["state", "state_reason"])
        return
    zone_ids = alert_zones(message)
    alert.zones.set(zone_ids)
    alarm = None
    for old in previous:  # an Update: the first open alarm carries on, the others end
        if old.state not in LIVE_STATES:
            continue
        if alarm is None and old.alarm_id is not None and zone_ids:
            alarm = old.alarm
            old.state, old.state_reason = AlertState.SUPERSEDED, f"updated by {alert.identifier}"
            old.save(update_fields=["state", "state_reason"])
        else:
            _end(
                old,
                state=AlertState.SUPERSEDED,
                reason=f"updated by {alert.identifier}",
                actor=actor,
            )
    if message.expires is not None and message.expires <= now:
        alert.state, alert.state_reason = AlertState.EXPIRED, "expired on arrival"
        if alarm is not None:
            alarm_emergency_end(alarm=alarm, actor=actor, note="the update has expired")
    elif not zone_ids:
        alert.state, alert.state_reason = AlertState.OUTSIDE, "its area meets no zone"
    else:
        priority = alert_priority(
            urgency=message.urgency, severity=message.severity, certainty=message.certainty
        )
        text = message.instruction[:2000]
        if alarm is None:
            alarm = alarm_raise_emergency(
                title=_title(message),
                priority=priority,
                zone_ids=zone_ids,
                at=message.sent,
                actor=actor,
                text=text,
            )
        else:
            alarm = alarm_emergency_change(
                alarm=alarm,
                title=_title(message),
                priority=priority,
                zone_ids=zone_ids,
                at=message.sent,
                actor=actor,
                text=f"Updated by {alert.identifier}. {text}",
            )
        alert.alarm = alarm
        alert.state, alert.state_reason = AlertState.ACTIVE, ""
    alert.save(update_fields=["state", "state_reason", "alarm"])


def cap_receive(
    *,
    body: bytes,
    origin: str,
    origin_name: str,
    url: str = "",
    trusted: bool = True,
    now: datetime | None = None,
) -> CapAlert:
    """Parses, validates, stores and acts on one CAP message. A refusal is kept (RefusedAlert)
    and raised as a 400 naming its reason; a message received before raises Duplicate."""
    now = now or timezone.now()
    try:
        message = cap_parse(body, max_bytes=settings.CAP_MAX_BYTES)
    except CapRefused as refused:
        refusal_record(
            origin=origin,
            origin_name=origin_name,
            reason=refused.reason,
            detail=refused.detail,
            body=body,
            url=url,
        )
        raise ApplicationError(
            f"The CAP message is refused: {RefusalReason(refused.reason).label}.",
            extra={"reason": refused.reason, "detail": refused.detail},
        ) from None
    with transaction.atomic():
        alert = _store(message, body=body, origin=origin, origin_name=origin_name, url=url)
        reason = _not_acted_reason(message, trusted=trusted)
        if reason:
            alert.state_reason = reason
            alert.save(update_fields=["state_reason"])
        else:
            _act(alert, message, now=now)
            send_on_commit(alert_acted, sender=CapAlert, alert=alert)
        audit_record(
            actor=_actor(alert),
            action="emergency.alert_received",
            target=alert,
            details={"msg_type": alert.msg_type, "state": alert.state, "alarm": alert.alarm_id},
        )
    return alert


def cap_receive_pushed(*, source_name: str, body: bytes) -> CapAlert:
    """A pushed message (the signature already checked): 409 when received before."""
    try:
        return cap_receive(body=body, origin=Origin.PUSH, origin_name=source_name)
    except Duplicate:
        raise ApplicationError(
            "This CAP message (sender, identifier, sent) was received before.",
            extra={"reason": RefusalReason.DUPLICATE},
            status_code=status.HTTP_409_CONFLICT,
        ) from None


def alerts_expire(*, now: datetime | None = None) -> int:
    """Ends the alerts past their `expires` and closes their alarms (beat, every 30 s)."""
    now = now or timezone.now()
    count = 0
    for alert in alerts_expired(now=now).select_related("alarm"):
        with transaction.atomic():
            _end(alert, state=AlertState.EXPIRED, reason="expired", actor=_actor(alert))
            audit_record(actor=_actor(alert), action="emergency.alert_expired", target=alert)
        count += 1
    return count
