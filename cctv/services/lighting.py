"""Lighting responses of alarms: one time-bounded `max` override through the lighting app.

A rule's response names a level, a scope (the camera's linked lights, a radius around the
camera, or the camera's zone) and a duration. The override is created when the alarm is raised
(re-triggers of the same alarm create no second one), extended while the alarm stays open when
the rule says so (never beyond `light_max_s` from its start), and cancelled when the alarm
closes. Welfare alarms never get conspicuous effects: the platform has no flashing operation,
and a welfare alarm brightens only when its rule is a welfare rule with a response of its own.
A failure of the lighting side is recorded on the alarm and never stops the alarm itself.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cctv.analytics.core.context import context_allows_response
from cctv.choices import AlarmAction, AlarmCategory, AlarmState, LightScope
from cctv.models import Alarm, AlarmLog, AlarmRule
from cctv.selectors import WELFARE_PERMISSION
from cityplatform.api import ApplicationError
from cityplatform.services import Actor
from devices.selectors.cameras import CameraInfo, camera_linked_light_ids
from lighting.choices import Operation
from lighting.selectors import overrides
from lighting.services.overrides import (
    OverrideScope,
    override_cancel,
    override_create,
    override_extend,
)

log = logging.getLogger(__name__)

LIGHTING_ACTOR = "alarm-rules"


def override_priority() -> int:
    """The override priority of alarm responses: lighting's "security response" level (4)."""
    return settings.CCTV_OVERRIDE_PRIORITY


def lighting_scope(*, rule: AlarmRule, info: CameraInfo):
    """The OverrideScope of a rule's response at this camera, or None when it covers no light."""
    if rule.light_scope == LightScope.LINKED:
        light_ids = tuple(camera_linked_light_ids(camera_id=info.pk, controlled=True))
        return OverrideScope(light_ids=light_ids) if light_ids else None
    if rule.light_scope == LightScope.RADIUS:
        return OverrideScope(
            point=(info.latitude, info.longitude), radius_m=float(rule.light_radius_m)
        )
    if rule.light_scope == LightScope.ZONE:
        return OverrideScope(zone_id=info.zone_id) if info.zone_id else None
    return None


def _scope_description(scope) -> dict:
    if scope is None:
        return {}
    if getattr(scope, "light_ids", None):
        return {"light_ids": list(scope.light_ids)}
    if getattr(scope, "zone_id", None):
        return {"zone_id": scope.zone_id}
    if getattr(scope, "point", None):
        return {"point": list(scope.point), "radius_m": scope.radius_m}
    return {}


def _record(alarm: Alarm, lighting: dict, text: str) -> None:
    alarm.lighting = lighting
    alarm.save(update_fields=["override_id", "lighting", "updated_at"])
    AlarmLog.objects.create(
        alarm=alarm,
        at=timezone.now(),
        action=AlarmAction.LIGHTING,
        actor_label=LIGHTING_ACTOR,
        text=text,
        details=lighting,
    )


def lighting_respond(
    *,
    alarm: Alarm,
    rule: AlarmRule,
    info: CameraInfo,
    now: datetime,
    context: dict | None = None,
) -> None:
    """Creates the alarm's override (once). A rule that brightens only dark, dim scenes
    (`respond_only_when_dim`) looks at the event's lighting context first."""
    if alarm.override_id is not None or not rule.has_lighting:
        return
    if rule.respond_only_when_dim:
        allowed, why = context_allows_response(context=context, threshold=rule.dim_level)
        if not allowed:
            _record(alarm, {"skipped": why}, f"No lighting response: {why}.")
            return
    if alarm.category == AlarmCategory.WELFARE and rule.category != AlarmCategory.WELFARE:
        _record(alarm, {"skipped": "welfare alarm: no light effect unless its rule says so"}, "")
        return
    expires_at = now + timedelta(seconds=rule.light_duration_s)
    try:
        scope = lighting_scope(rule=rule, info=info)
        if scope is None:
            _record(alarm, {"skipped": "no lights in the response's scope"}, "No lights to raise.")
            return
        with transaction.atomic():
            override = override_create(
                scope=scope,
                level=float(rule.light_level),
                operation=Operation.MAX,
                priority=override_priority(),
                expires_at=expires_at,
                reason=f"Alarm #{alarm.pk}: {alarm.title}"[:300],
                actor=LIGHTING_ACTOR,
                alarm_id=alarm.pk,
                # Every role sees the lights go up; only those who may see welfare alarms see why.
                details_permission=WELFARE_PERMISSION
                if alarm.category == AlarmCategory.WELFARE
                else "",
            )
    except ApplicationError as error:  # refused (no lights in the scope now, a limit): said so
        _record(alarm, {"skipped": error.message[:500]}, f"No lighting response: {error.message}")
        return
    except Exception as error:  # the alarm stands even when the lights cannot answer
        log.exception("lighting response of alarm %s failed", alarm.pk)
        _record(alarm, {"error": str(error)[:500]}, "The lighting response failed.")
        return
    alarm.override_id = override.pk
    lighting = {
        "override_id": override.pk,
        "level": float(rule.light_level),
        "operation": "max",
        "scope": rule.light_scope,
        **_scope_description(scope),
        "started_at": now.isoformat(),
        "expires_at": expires_at.isoformat(),
        "extend": rule.light_extend,
        "bound_at": (now + timedelta(seconds=rule.light_max_s)).isoformat()
        if rule.light_extend and rule.light_max_s
        else None,
        "state": "active",
    }
    _record(alarm, lighting, f"Lights to at least {rule.light_level:g} % until {expires_at:%H:%M}.")


def _override(alarm: Alarm):
    return overrides().filter(pk=alarm.override_id).first() if alarm.override_id else None


def lighting_extend_open(*, now: datetime | None = None) -> int:
    """Extends the responses of open alarms whose rule says so, up to their bound. Returns how
    many overrides were extended. Idempotent (run every minute by beat)."""
    now = now or timezone.now()
    count = 0
    alarms = (
        Alarm.objects.filter(override_id__isnull=False, rule__light_extend=True)
        .exclude(state=AlarmState.CLOSED)
        .select_related("rule")
    )
    for alarm in alarms:
        lighting = alarm.lighting or {}
        if lighting.get("state") != "active" or not lighting.get("bound_at"):
            continue
        bound = parse_datetime(lighting["bound_at"])
        current = parse_datetime(lighting["expires_at"])
        wanted = min(now + timedelta(seconds=alarm.rule.light_duration_s), bound)
        if wanted <= current:
            continue
        with transaction.atomic():
            override = _override(alarm)
            if override is None:
                continue
            try:
                override_extend(override=override, expires_at=wanted, actor=LIGHTING_ACTOR)
            except ApplicationError:
                # Cancelled by hand or expired before this run: the response is over, and the
                # alarm says so instead of being retried (and failing) every minute.
                alarm.lighting = {**lighting, "state": "ended", "ended_at": now.isoformat()}
                alarm.save(update_fields=["lighting", "updated_at"])
                continue
            alarm.lighting = {**lighting, "expires_at": wanted.isoformat()}
            alarm.save(update_fields=["lighting", "updated_at"])
        count += 1
    return count


def lighting_end(*, alarm: Alarm, actor: Actor) -> None:
    """Ends the alarm's override when the alarm closes."""
    lighting = alarm.lighting or {}
    if alarm.override_id is None or lighting.get("state") != "active":
        return
    try:
        with transaction.atomic():
            override = _override(alarm)
            if override is not None:
                override_cancel(override=override, actor=actor, reason=f"Alarm #{alarm.pk} closed")
    except Exception as error:
        log.exception("ending the lighting response of alarm %s failed", alarm.pk)
        lighting = {**lighting, "error": str(error)[:500]}
    alarm.lighting = {**lighting, "state": "ended", "ended_at": timezone.now().isoformat()}
    alarm.save(update_fields=["lighting", "updated_at"])
