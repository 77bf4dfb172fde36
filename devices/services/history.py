"""Retention of the device history tables."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from devices.models import LevelChange, Telemetry

BATCH = 20_000


def telemetry_purge(
    *, days: int, now: datetime | None = None, batch: int = BATCH
) -> dict[str, int]:
    """Deletes telemetry samples older than `days`, in batches (short transactions, no long
    lock), and level changes older than that except the last one of each light before the
    cut-off, so that the level at any instant still inside the window stays answerable."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    telemetry = _delete_in_batches(Telemetry.objects.filter(ts__lt=cutoff), batch)
    # DISTINCT ON (PostgreSQL): the latest change of each light before the cut-off is kept.
    keep = (
        LevelChange.objects.filter(at__lt=cutoff)
        .order_by("asset_id", "-at")
        .distinct("asset_id")
        .values("pk")
    )
    old_changes = LevelChange.objects.filter(at__lt=cutoff).exclude(pk__in=keep)
    changes = _delete_in_batches(old_changes, batch)
    return {"telemetry": telemetry, "level_changes": changes}


def _delete_in_batches(queryset, batch: int) -> int:
    total = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        with transaction.atomic():
            deleted, _ = queryset.model.objects.filter(pk__in=ids).delete()
        total += deleted
