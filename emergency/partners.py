"""Partners told of emergencies (issue #18): the official warnings the city acts on and their
end, the emergency plans started and stopped, and the city's own public alerts issued, updated
and cancelled. Connected to emergency's signals in the app's `ready()`; each receiver runs after
the commit and hands the event to the notifications service, which picks the recipients
(named, or subscribed to the kind, zones and priority) and sends in the background.

Public alerts carry their CAP 1.2 document: recipients who want CAP get it attached to the
e-mail, or as the webhook's body (application/cap+xml); the others get JSON.

A receiver's failure is logged, never raised: the alert or the plan stands either way."""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings

from emergency.cap.priority import alert_priority
from emergency.choices import AlertState
from emergency.selectors import published_document
from emergency.signals import (
    alert_acted,
    alert_ended,
    plan_started,
    plan_stopped,
    published_cancelled,
    published_issued,
    published_updated,
)
from notifications.choices import EventKind
from notifications.services.notify import notify

log = logging.getLogger(__name__)


def _logged(receiver: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(receiver)
    def wrapper(*args, **kwargs) -> None:
        try:
            receiver(*args, **kwargs)
        except Exception:
            log.exception("partner notification %s failed", receiver.__name__)

    return wrapper


def _zone_ids(zones: Any) -> list[int]:
    """Zone ids of a related manager, a list of zones or a list of ids (or nothing)."""
    if zones is None:
        return []
    if hasattr(zones, "values_list"):
        return list(zones.values_list("pk", flat=True))
    return [getattr(zone, "pk", zone) for zone in zones]


def _priority(alert: Any) -> int:
    return alert_priority(urgency=alert.urgency, severity=alert.severity, certainty=alert.certainty)


def _text(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _alert_payload(alert: Any, **more: Any) -> dict[str, Any]:
    return {
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "event": alert.event,
        "headline": alert.headline,
        "instruction": alert.instruction,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "expires": alert.expires.isoformat() if alert.expires else None,
        **more,
    }


@_logged
def on_alert_acted(sender, alert, **kwargs) -> None:
    """An official warning now in force on the city's zones (an alert, or an update)."""
    if alert.state != AlertState.ACTIVE:
        return
    notify(
        EventKind.ALERT_RECEIVED,
        subject=f"{alert.msg_type}: {alert.event}: {alert.headline}",
        text=_text(alert.headline, alert.instruction, alert.description),
        payload=_alert_payload(alert, sender=alert.sender, alarm=alert.alarm_id),
        zones=_zone_ids(alert.zones),
        priority=_priority(alert),
        cap_xml=alert.xml,
    )


@_logged
def on_alert_ended(sender, alert, **kwargs) -> None:
    zones = _zone_ids(alert.zones)
    if not zones:  # it never met the city: no one was told of it
        return
    notify(
        EventKind.ALERT_ENDED,
        subject=f"Ended ({alert.get_state_display().lower()}): {alert.event}: {alert.headline}",
        text=_text(f"The warning has ended: {alert.state_reason}.", alert.headline),
        payload=_alert_payload(alert, sender=alert.sender, state=alert.state),
        zones=zones,
        priority=_priority(alert),
    )


def _on_plan(kind: str, verb: str, plan_run: Any) -> None:
    """A plan run from the plans app (its model lives there): read defensively."""
    plan = getattr(plan_run, "plan", None)
    name = getattr(plan, "name", "") or "Emergency plan"
    partners = [str(slug) for slug in (getattr(plan, "partners", None) or [])]
    notify(
        kind,
        subject=f"Emergency plan {verb}: {name}",
        text=_text(
            f"The city has {verb} its emergency plan {name!r}.",
            getattr(plan, "description", "") or "",
        ),
        payload={"plan": name, "run": getattr(plan_run, "pk", None)},
        zones=_zone_ids(getattr(plan, "zones", None)),
        priority=getattr(plan, "priority", None),
        recipients=partners,
    )


@_logged
def on_plan_started(sender, plan_run, **kwargs) -> None:
    _on_plan(EventKind.PLAN_STARTED, "started", plan_run)


@_logged
def on_plan_stopped(sender, plan_run, **kwargs) -> None:
    _on_plan(EventKind.PLAN_STOPPED, "stopped", plan_run)


def _on_published(kind: str, alert: Any) -> None:
    notify(
        kind,
        subject=f"City alert {alert.msg_type}: {alert.event}: {alert.headline}",
        text=_text(alert.headline, alert.instruction, alert.description),
        payload=_alert_payload(alert, cap_url=f"/cap/alerts/{alert.pk}.xml"),
        zones=_zone_ids(alert.zones),
        priority=_priority(alert),
        cap_xml=published_document(alert, sender=settings.CAP_SENDER),
    )


@_logged
def on_published_issued(sender, alert, **kwargs) -> None:
    _on_published(EventKind.PUBLISHED_ISSUED, alert)


@_logged
def on_published_updated(sender, alert, **kwargs) -> None:
    _on_published(EventKind.PUBLISHED_UPDATED, alert)


@_logged
def on_published_cancelled(sender, alert, **kwargs) -> None:
    _on_published(EventKind.PUBLISHED_CANCELLED, alert)


def connect() -> None:
    """Connects the receivers (emergency's AppConfig.ready), once."""
    for signal, receiver in (
        (alert_acted, on_alert_acted),
        (alert_ended, on_alert_ended),
        (plan_started, on_plan_started),
        (plan_stopped, on_plan_stopped),
        (published_issued, on_published_issued),
        (published_updated, on_published_updated),
        (published_cancelled, on_published_cancelled),
    ):
        signal.connect(receiver, dispatch_uid=f"emergency.partners.{receiver.__name__}")
