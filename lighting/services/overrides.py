"""Overrides: create, extend, cancel, and emergency mode (their start and expiry, and the sweep:
`lighting.services.override_boundaries`).

An override that starts or ends reconciles the lights it covers at once, inside the same
transaction (the alert path wants event → command in well under 100 ms, so only the affected
lights are resolved, never the whole city). Expiry is also honoured by the resolver itself, so
a light never waits for the sweep to stop following an expired override.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityplatform.api import ApplicationError
from cityplatform.live import live_publish
from cityplatform.services import Actor, actor_fields, audit_record
from lighting.choices import Operation, OverrideState, Priority, ScopeKind
from lighting.models import Override
from lighting.services.override_boundaries import override_end_record, override_lights_reconcile
from lighting.services.override_live import (
    override_live_fields,
    override_publish_ended,
    override_publish_started,
)
from lighting.services.scopes import OverrideScope, scope_lights
from lighting.tasks import command_override_boundary as command_override_boundary_task

log = logging.getLogger(__name__)


def _schedule_boundary(override: Override, at: datetime | None) -> None:
    """A task at a future start or expiry, so the change does not wait for the sweep (the sweep
    remains the safety net). Not in embedded mode, where tasks run at once."""
    if at is None or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    pk = override.pk

    def send() -> None:
        try:
            command_override_boundary_task.apply_async(args=[pk], eta=at)
        except Exception:  # the broker is down: the sweep will catch it
            log.exception("could not schedule the boundary of override #%s", pk)

    transaction.on_commit(send)


def override_create(
    *,
    scope: OverrideScope,
    level: float,
    operation: str,
    priority: int,
    expires_at: datetime | None,
    reason: str,
    actor: Actor,
    starts_at: datetime | None = None,
    alarm_id: int | None = None,
    details_permission: str = "",
    now: datetime | None = None,
) -> Override:
    """Creates an override; if it is in force now, its lights are commanded before this
    returns (in the same transaction) and `override.started` goes out after the commit.

    `alarm_id` is the alarm whose response this is: only the alarm path sets it (the API
    refuses it). With `details_permission`, only holders of that permission see the reason,
    the alarm link and how it ended (`lighting.visibility`): a welfare alarm's response."""
    now = now or timezone.now()
    user, label = actor_fields(actor)
    if operation not in Operation.values:
        raise ApplicationError(
            f"operation must be one of {Operation.values}",
            extra={"fields": {"operation": ["unknown operation"]}},
        )
    override = Override(
        scope_kind=scope.kind,
        light_ids=list(scope.light_ids or ()),
        group_id=scope.group_id,
        zone_id=scope.zone_id,
        latitude=scope.point[0] if scope.point else None,
        longitude=scope.point[1] if scope.point else None,
        radius_m=scope.radius_m,
        level=level,
        operation=operation,
        priority=priority,
        starts_at=starts_at or now,
        expires_at=expires_at,
        reason=reason,
        created_by=user,
        author=label,
        alarm_id=alarm_id,
        details_permission=details_permission,
    )
    if expires_at is not None and expires_at <= now:
        raise ApplicationError(
            "The expiry must be in the future.", extra={"fields": {"expires_at": ["in the past"]}}
        )
    lights = scope_lights(scope)
    if not lights:  # an override of nothing would look done and change nothing
        raise ApplicationError(
            "This scope covers no controlled lights: choose a zone, group or area with lights "
            "in it.",
            extra={"fields": {"scope": ["covers no lights"]}},
        )
    # The two check constraints (expiry below emergency, level 0–100) are the field validators
    # and clean() again: validating them in the database would cost a query each.
    override.full_clean(validate_constraints=False)
    starts_now = override.starts_at <= now
    override.started_announced = starts_now
    # Inside a caller's transaction no savepoint of its own: an error here undoes the caller's
    # work too (callers that must survive it, like an alarm's response, hold their own).
    with transaction.atomic(savepoint=False):
        override.save()
        if starts_now:
            override_lights_reconcile(light_ids=lights, now=now, actor=f"override #{override.pk}")
            override_publish_started(override, len(lights))
        else:
            _schedule_boundary(override, override.starts_at)
        _schedule_boundary(override, override.expires_at)
        audit_record(
            actor=actor,
            action="override.created",
            target=override,
            details={
                **override_live_fields(override, len(lights)),
                "starts_at": override.starts_at.isoformat(),
                "expires_at": override.expires_at.isoformat() if override.expires_at else None,
            },
        )
    return override


def override_extend(
    *, override: Override, expires_at: datetime, actor: Actor, now: datetime | None = None
) -> Override:
    """Moves the expiry of an override still in force (or scheduled)."""
    now = now or timezone.now()
    with transaction.atomic():
        override = Override.objects.select_for_update().get(pk=override.pk)
        if override.state_at(now) in (OverrideState.EXPIRED, OverrideState.CANCELLED):
            raise ApplicationError(
                f"Override #{override.pk} has ended; create a new one.", status_code=409
            )
        if expires_at <= now or expires_at <= override.starts_at:
            raise ApplicationError(
                "The new expiry must be in the future and after the start.",
                extra={"fields": {"expires_at": ["too early"]}},
            )
        previous = override.expires_at
        override.expires_at = expires_at
        override.full_clean()
        override.save(update_fields=["expires_at"])
        _schedule_boundary(override, expires_at)
        audit_record(
            actor=actor,
            action="override.extended",
            target=override,
            details={
                "from": previous.isoformat() if previous else None,
                "to": expires_at.isoformat(),
            },
        )
        if previous is not None and expires_at < previous:  # shortened: the live view follows
            override_publish_started(override, 0)
    return override


def override_cancel(
    *, override: Override, actor: Actor, reason: str = "", now: datetime | None = None
) -> Override:
    """Ends an override now; its lights go straight to the next-winning override or their
    programme (one command each, no gap). Cancelling an ended override changes nothing."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    with transaction.atomic():
        override = Override.objects.select_for_update().get(pk=override.pk)
        if override.state_at(now) in (OverrideState.EXPIRED, OverrideState.CANCELLED):
            return override
        lights = override_end_record(
            override, state=OverrideState.CANCELLED, at=now, by=label, reason=reason
        )
        override_lights_reconcile(
            light_ids=lights, now=now, actor=f"override #{override.pk} cancelled"
        )
        override_publish_ended(override, len(lights))
        audit_record(
            actor=actor, action="override.cancelled", target=override, details={"reason": reason}
        )
    return override


# --- Emergency mode -------------------------------------------------------------------------


def emergency_start(
    *, actor: Actor, reason: str, zone_id: int | None = None, now: datetime | None = None
) -> Override:
    """Lights a zone (or the whole city) at full level, priority 1, until cleared."""
    if not reason.strip():
        raise ApplicationError("Say why.", extra={"fields": {"reason": ["required"]}})
    scope = OverrideScope(zone_id=zone_id) if zone_id is not None else OverrideScope(city=True)
    override = override_create(
        scope=scope,
        level=100,
        operation=Operation.SET,
        priority=Priority.EMERGENCY,
        expires_at=None,
        reason=f"EMERGENCY: {reason}",
        actor=actor,
        now=now,
    )
    where = f"zone #{zone_id}" if zone_id is not None else "the whole city"
    live_publish(
        kind="system.notice",
        data={"level": "emergency", "text": f"Emergency lighting on in {where}: {reason}"},
        topics=["system", "overrides"],
    )
    return override


def emergency_clear(
    *, actor: Actor, zone_id: int | None = None, reason: str = "", now: datetime | None = None
) -> list[Override]:
    """Clears emergency lighting of a zone (or of the whole city)."""
    now = now or timezone.now()
    active = Override.objects.filter(
        priority=Priority.EMERGENCY, ended_at__isnull=True, starts_at__lte=now
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if zone_id is None:
        active = active.filter(scope_kind=ScopeKind.CITY)
    else:
        active = active.filter(scope_kind=ScopeKind.ZONE, zone_id=zone_id)
    cleared = [
        override_cancel(override=o, actor=actor, reason=reason or "emergency cleared", now=now)
        for o in active
    ]
    if cleared:
        where = f"zone #{zone_id}" if zone_id is not None else "the whole city"
        live_publish(
            kind="system.notice",
            data={"level": "info", "text": f"Emergency lighting cleared in {where}"},
            topics=["system", "overrides"],
        )
    return cleared
