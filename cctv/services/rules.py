"""Alarm rules: their configuration (by security supervisors) and the matching of events.

Time windows: `always`; `dark`, between dusk and dawn at the camera's position, that is while
the sun is more than 6° below the horizon (civil twilight, the definition of astral's dusk and
dawn); `hours`, fixed local hours in the camera's zone time zone (wrapping past midnight).
"""

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import elevation
from django.conf import settings
from django.db import transaction

from cctv.choices import TimeWindow
from cctv.models import AlarmRule, Event
from cityplatform.config_cache import ConfigCache
from cityplatform.services import Actor, actor_fields, audit_record, model_update
from devices.selectors.cameras import CameraInfo

CIVIL_DEPRESSION = 6.0  # degrees: astral's default dusk/dawn depression

RULE_FIELDS = (
    "name",
    "enabled",
    "event_types",
    "min_confidence",
    "window",
    "window_start",
    "window_end",
    "priority",
    "category",
    "retrigger_s",
    "light_scope",
    "light_level",
    "light_radius_m",
    "light_duration_s",
    "light_extend",
    "light_max_s",
    "respond_only_when_dim",
    "dim_level",
)


def is_dark(*, latitude: float, longitude: float, at: datetime) -> bool:
    """True between dusk and dawn (civil twilight) at that place."""
    return elevation(Observer(latitude=latitude, longitude=longitude), at) < -CIVIL_DEPRESSION


def in_hours(*, start: time, end: time, at: datetime, time_zone: str) -> bool:
    local = at.astimezone(ZoneInfo(time_zone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # e.g. 22:00–06:00


def rule_in_window(rule: AlarmRule, info: CameraInfo, at: datetime) -> bool:
    if rule.window == TimeWindow.DARK:
        return is_dark(latitude=info.latitude, longitude=info.longitude, at=at)
    if rule.window == TimeWindow.HOURS:
        return in_hours(
            start=rule.window_start,
            end=rule.window_end,
            at=at,
            time_zone=info.time_zone or settings.TIME_ZONE,
        )
    return True


def rule_matches(rule: AlarmRule, event: Event, info: CameraInfo) -> bool:
    """Does this event trigger this rule? (type, camera, zone, confidence, time window)"""
    if not rule.enabled or event.type not in rule.event_types:
        return False
    camera_ids = {c.pk for c in rule.cameras.all()}
    if camera_ids and event.device_id not in camera_ids:
        return False
    zone_ids = {z.pk for z in rule.zones.all()}
    if zone_ids and event.zone_id not in zone_ids:
        return False
    if rule.min_confidence and (event.confidence is None or event.confidence < rule.min_confidence):
        return False
    return rule_in_window(rule, info, event.ts)


_enabled_rules = ConfigCache(
    "cctv.rules", watch=[AlarmRule, AlarmRule.cameras.through, AlarmRule.zones.through]
)


def _rules_load() -> list[AlarmRule]:
    return list(AlarmRule.objects.filter(enabled=True).prefetch_related("cameras", "zones"))


def rules_for_types(types: Iterable[str]) -> list[AlarmRule]:
    """Enabled rules that name any of these event types (with cameras and zones prefetched).
    Read from the process's rule cache: no query unless a rule changed (read-only instances)."""
    wanted = set(types)
    return [r for r in _enabled_rules.get(_rules_load) if wanted.intersection(r.event_types)]


def _apply(rule: AlarmRule, data: dict[str, Any]) -> tuple[list[int] | None, list[int] | None]:
    cameras = data.pop("cameras", None)
    zones = data.pop("zones", None)
    for name, value in data.items():
        if name not in RULE_FIELDS:
            raise ValueError(f"unknown rule field {name}")
        setattr(rule, name, value)
    return cameras, zones


@transaction.atomic
def alarm_rule_create(*, actor: Actor, **data: Any) -> AlarmRule:
    rule = AlarmRule(created_by=actor_fields(actor)[0])
    cameras, zones = _apply(rule, dict(data))
    rule.full_clean()
    rule.save()
    if cameras is not None:
        rule.cameras.set(cameras)
    if zones is not None:
        rule.zones.set(zones)
    audit_record(actor=actor, action="cctv.rule_created", target=rule, details=_describe(rule))
    return rule


@transaction.atomic
def alarm_rule_update(*, rule: AlarmRule, actor: Actor, **data: Any) -> AlarmRule:
    """Changes a rule's fields (RULE_FIELDS; another is a 400) and, given them, its cameras
    and zones; the audit entry records the rule as it now is."""
    data = dict(data)
    cameras, zones = data.pop("cameras", None), data.pop("zones", None)
    model_update(
        instance=rule,
        data=data,
        allowed=RULE_FIELDS,
        actor=actor,
        action="cctv.rule_changed",
        details=_describe,
    )
    if cameras is not None:
        rule.cameras.set(cameras)
    if zones is not None:
        rule.zones.set(zones)
    return rule


@transaction.atomic
def alarm_rule_delete(*, rule: AlarmRule, actor: Actor) -> None:
    audit_record(actor=actor, action="cctv.rule_deleted", target=rule, details=_describe(rule))
    rule.delete()


def _describe(rule: AlarmRule) -> dict[str, Any]:
    return {
        name: (str(value) if isinstance(value, time) else value)
        for name in RULE_FIELDS
        if (value := getattr(rule, name)) is not None
    }
