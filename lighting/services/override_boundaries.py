"""The start and end of overrides: ending one (cancelled, expired), handling a start or an
expiry when it is due (`override_boundary`, called by the task scheduled at that instant and by
the sweep), and the sweep, the safety net every 10 s.

An override that starts or ends reconciles the lights it covers at once, inside the same
transaction, and its live message goes out after the commit.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityplatform.services import audit_record
from lighting.choices import OverrideState
from lighting.models import Override
from lighting.services.override_live import override_publish_ended, override_publish_started
from lighting.services.reconcile import ReconcileResult, reconcile_lights
from lighting.services.scopes import override_lights


def override_lights_reconcile(
    *, light_ids: list[int], now: datetime, actor: str
) -> ReconcileResult:
    """Reconciles the lights an override started or ended on (none: nothing to do)."""
    if not light_ids:
        return ReconcileResult()
    return reconcile_lights(light_ids=light_ids, now=now, actor=actor)


def override_end_record(
    override: Override, *, state: str, at: datetime, by: str, reason: str
) -> list[int]:
    """Records the end of an override; returns the lights it covered (to reconcile)."""
    override.ended_at = at
    override.end_state = state
    override.ended_by = by[:150]
    override.end_reason = reason[:300]
    override.save(update_fields=["ended_at", "end_state", "ended_by", "end_reason"])
    return override_lights(override)


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
            lights = override_end_record(
                override,
                state=OverrideState.EXPIRED,
                at=override.expires_at,
                by="expiry",
                reason="expired",
            )
            override_lights_reconcile(
                light_ids=lights, now=now, actor=f"override #{override.pk} expired"
            )
            override_publish_ended(override, len(lights))
            audit_record(actor="expiry", action="override.expired", target=override)
            return "ended"
        if not override.started_announced and override.starts_at <= now:
            override.started_announced = True
            override.save(update_fields=["started_announced"])
            lights = override_lights(override)
            override_lights_reconcile(light_ids=lights, now=now, actor=f"override #{override.pk}")
            override_publish_started(override, len(lights))
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
