"""Reconcile: desired levels in bulk → a command only where one is needed.

A light gets a command when its resolved level differs from the desired level already set on
it (the schedule moved on, an override started or ended), or when its reported level has
disagreed with the desired one for longer than the grace period and no command is pending (a
lamp that missed a command). Otherwise nothing: a second run issues no command, and a lamp
that keeps disagreeing is re-commanded at most once per grace period.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cityplatform import timefmt
from devices.selectors.commands import commands_pending
from devices.selectors.lights import light_states
from devices.services.commands import commands_issue
from lighting.models import Override, Programme
from lighting.services.resolver import Resolved, levels_resolve

log = logging.getLogger(__name__)

LEVEL_TOLERANCE = 0.5  # % — reported levels are rounded by some drivers
# Lights per commands_issue call (one transaction each, committed and handed to the gateway
# before the next): large enough that a dusk pays few commits and nudges, small enough that the
# gateway starts sending early and no transaction holds 100,000 row locks.
CHUNK = 10_000


def grace_period() -> timedelta:
    return timedelta(seconds=settings.LIGHTING_RECONCILE_GRACE_S)


@dataclass
class ReconcileResult:
    lights: int = 0
    changed: int = 0
    resent: int = 0
    commands: list = field(default_factory=list)

    @property
    def issued(self) -> int:
        return self.changed + self.resent


def _override_words(ids: set[int]) -> dict[int, str]:
    """What a person reads of an override in a command's reason: its priority and its end, in
    the city's time ("override at priority 4 until 22:15 GMT"); never its reason (a welfare
    alarm's words must not reach command lists) nor a database id (its id is in the context)."""
    words = {}
    for pk, priority, expires_at in Override.objects.filter(pk__in=ids).values_list(
        "pk", "priority", "expires_at"
    ):
        until = timefmt.clock(expires_at, settings.TIME_ZONE) if expires_at else "cleared"
        words[pk] = f"override at priority {priority} until {until}"
    return words


def _reason(
    resolved: Resolved, names: dict[int, str], overrides: dict[int, str]
) -> tuple[str, dict]:
    if resolved.override_id is not None:
        text = overrides.get(resolved.override_id, "override")
        return text, {"override_id": resolved.override_id}
    if resolved.programme_id is not None:
        name = names.get(resolved.programme_id, resolved.programme_id)
        return f"programme '{name}'", {"programme_id": resolved.programme_id}
    return "no programme", {}


def reconcile_lights(
    *,
    light_ids: list[int] | None = None,
    now: datetime | None = None,
    actor: str = "reconcile",
) -> ReconcileResult:
    """Brings the desired level of `light_ids` (every controlled light by default) in line
    with the resolver, issuing only the commands needed."""
    now = now or timezone.now()
    desired = levels_resolve(at=now, light_ids=light_ids)
    result = ReconcileResult(lights=len(desired))
    if not desired:
        return result
    states = light_states(pks=None if light_ids is None else list(desired))
    grace_edge = now - grace_period()
    changed: dict[int, float] = {}
    suspects: list[int] = []
    for pk, resolved in desired.items():
        state = states.get(pk)
        previous = state.desired_level if state else None
        if previous is None or abs(previous - resolved.level) > LEVEL_TOLERANCE:
            changed[pk] = resolved.level
        elif (
            state.level is not None
            and abs(state.level - resolved.level) > LEVEL_TOLERANCE
            and state.online is not False
            and (state.desired_since is None or state.desired_since <= grace_edge)
        ):
            suspects.append(pk)
    resend: dict[int, float] = {}
    if suspects:
        pending = set(commands_pending(asset_ids=suspects).values_list("asset_id", flat=True))
        resend = {pk: desired[pk].level for pk in suspects if pk not in pending}
    result.changed, result.resent = len(changed), len(resend)
    if not changed and not resend:
        return result
    names = dict(Programme.objects.values_list("pk", "name"))
    overrides = _override_words(
        {desired[pk].override_id for pk in changed | resend if desired[pk].override_id}
    )
    batches: dict[str, dict[int, float]] = defaultdict(dict)
    contexts: dict[str, dict] = {}
    for pk, level in (changed | resend).items():
        reason, context = _reason(desired[pk], names, overrides)
        if pk in resend:
            reason, context = (
                reason + " (re-sent: the lamp reports another level)",
                {
                    **context,
                    "resent": True,
                },
            )
        batches[reason][pk] = level
        contexts[reason] = context
    for reason, levels in batches.items():
        items = list(levels.items())
        for i in range(0, len(items), CHUNK):
            with transaction.atomic():
                result.commands.extend(
                    commands_issue(
                        levels=dict(items[i : i + CHUNK]),
                        reason=reason,
                        issued_by=actor,
                        context=contexts[reason],
                        now=now,
                    )
                )
    log.info(
        "reconcile: %d lights, %d changed, %d re-sent", result.lights, result.changed, result.resent
    )
    return result


RECONCILE_LOCK = "lighting:reconcile-all"


def reconcile_all(*, now: datetime | None = None) -> ReconcileResult | None:
    """The periodic whole-city reconcile, never two at once (a slow run is not overlapped by
    the next beat); None when another run holds the lock."""
    if not cache.add(RECONCILE_LOCK, "1", timeout=120):
        log.info("reconcile: another run is in progress; skipped")
        return None
    try:
        return reconcile_lights(now=now, actor="reconcile")
    finally:
        cache.delete(RECONCILE_LOCK)
