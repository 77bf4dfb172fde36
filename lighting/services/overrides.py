"""Overrides: create, extend, cancel, the start/expiry sweep, and emergency mode.

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
from lighting.live import OverrideEnded, OverrideStarted
from lighting.models import Override
from lighting.services.reconcile import ReconcileResult, reconcile_lights
from lighting.services.scopes import OverrideScope, override_lights, scope_check_exists
from lighting.visibility import override_neutral_fields

log = logging.getLogger(__name__)


def _data(override: Override, light_count: int) -> dict:
    return {
        "id": override.pk,
        "scope_kind": override.scope_kind,
        "zone_id": override.zone_id,
        "group_id": override.group_id,
        "level": override.level,
        "operation": override.operation,
        "priority": override.priority,
        "starts_at": override.starts_at,
        "expires_at": override.expires_at,
        "reason": override.reason,
        "author": override.author,
        "alarm_id": override.alarm_id,
        "light_count": light_count,
    }


def _topics(override: Override) -> list[str]:
    topics = ["overrides"]
    if override.zone_id is not None:
        topics.append(f"zone:{override.zone_id}")
    return topics


def _publish(kind: str, schema: type, override: Override, fields: dict) -> None:
    """One live message about an override; whoever may not see its details (a welfare alarm's
    response) receives the neutral version (`lighting.visibility`)."""
    restricted = override.details_permission
    live_publish(
        kind=kind,
        data=schema(**fields),
        topics=_topics(override),
        permission=restricted or None,
        public_data=schema(**{**fields, **override_neutral_fields(fields)}) if restricted else None,
    )


def _publish_started(override: Override, light_count: int) -> None:
    _publish("override.started", OverrideStarted, override, _data(override, light_count))


def _publish_ended(override: Override, light_count: int) -> None:
    fields = {
        **_data(override, light_count),
        "ended_at": override.ended_at,
        "end_state": override.end_state,
        "ended_by": override.ended_by,
    }
    _publish("override.ended", OverrideEnded, override, fields)


def _reconcile(light_ids: list[int], now: datetime, actor: str) -> ReconcileResult:
    if not light_ids:
        return ReconcileResult()
    return reconcile_lights(light_ids=light_ids, now=now, actor=actor)


def _schedule_boundary(override: Override, at: datetime | None) -> None:
    """A task at a future start or expiry, so the change does not wait for the sweep (the sweep
    remains the safety net). Not in embedded mode, where tasks run at once."""
    if at is None or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from lighting.tasks import command_override_boundary as command_override_boundary_task

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
    listed = scope_check_exists(scope)
    # The two check constraints (expiry below emergency, level 0–100) are the field validators
    # and clean() again: validating them in the database would cost a query each.
    override.full_clean(validate_constraints=False)
    starts_now = override.starts_at <= now
    override.started_announced = starts_now
    # Inside a caller's transaction no savepoint of its own: an error here undoes the caller's
    # work too (callers that must survive it, like an alarm's response, hold their own).
    with transaction.atomic(savepoint=False):
        override.save()
        # A list of lights was just checked: those are the lights (no second look-up).
        lights = listed if listed is not None else override_lights(override)
        if starts_now:
            _reconcile(lights, now, f"override #{override.pk}")
            _publish_started(override, len(lights))
        else:
            _schedule_boundary(override, override.starts_at)
        _schedule_boundary(override, override.expires_at)
        audit_record(
            actor=actor,
            action="override.created",
            target=override,
            details={
                **_data(override, len(lights)),
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
            _publish("override.started", OverrideStarted, override, _data(override, 0))
    return override


def _end(override: Override, *, state: str, at: datetime, by: str, reason: str) -> list[int]:
    override.ended_at = at
    override.end_state = state
    override.ended_by = by[:150]
    override.end_reason = reason[:300]
    override.save(update_fields=["ended_at", "end_state", "ended_by", "end_reason"])
    return override_lights(override)


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
        lights = _end(override, state=OverrideState.CANCELLED, at=now, by=label, reason=reason)
        _reconcile(lights, now, f"override #{override.pk} cancelled")
        _publish_ended(override, len(lights))
        audit_record(
            actor=actor, action="override.cancelled", target=override, details={"reason": reason}
        )
    return override


def override_boundary(*, override_id: int, now: datetime | None = None) -> str:
    """Handles one override's start or expiry if it is due (idempotent): 'started', 'ended' or
    ''. Called by the sweep and by the task scheduled at the boundary."""
    now = now or timezone.now()
    with transaction.atomic():
        override = (
            Override.objects.select_for_update(skip_locked=True).filter(pk=override_id).first()
        )
        if override is None or override.ended_at is not None:
            return ""
        if override.expires_at is not None and override.expires_at <= now:
            lights = _end(
                override,
                state=OverrideState.EXPIRED,
                at=override.expires_at,
                by="expiry",
                reason="expired",
            )
            _reconcile(lights, now, f"override #{override.pk} expired")
            _publish_ended(override, len(lights))
            audit_record(actor="expiry", action="override.expired", target=override)
            return "ended"
        if not override.started_announced and override.starts_at <= now:
            override.started_announced = True
            override.save(update_fields=["started_announced"])
            lights = override_lights(override)
            _reconcile(lights, now, f"override #{override.pk}")
            _publish_started(override, len(lights))
            return "started"
    return ""


def overrides_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Starts the overrides whose start has come and ends those past their expiry."""
    now = now or timezone.now()
    due = Override.objects.filter(ended_at__isnull=True).filter(
        Q(expires_at__lte=now) | Q(started_announced=False, starts_at__lte=now)
    )
    counts = {"started": 0, "ended": 0}
    for pk in due.values_list("pk", flat=True):
        outcome = override_boundary(override_id=pk, now=now)
        if outcome:
            counts[outcome] += 1
    return counts


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
