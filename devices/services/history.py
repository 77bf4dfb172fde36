"""Retention of the device history tables."""

from datetime import datetime, timedelta

from django.db import connection, transaction
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
    keep = (
        LevelChange.objects.filter(at__lt=cutoff)
        .order_by("asset_id", "-at")
        .distinct("asset_id")
        .values("pk")
        if connection.vendor == "postgresql"
        else None
    )
    old_changes = LevelChange.objects.filter(at__lt=cutoff)
    if keep is not None:
        old_changes = old_changes.exclude(pk__in=keep)
    else:  # SQLite (the demo): the latest change before the cut-off per light, in Python
        latest: dict[int, tuple] = {}
        for pk, asset_id, at in old_changes.values_list("pk", "asset_id", "at"):
            if asset_id not in latest or at > latest[asset_id][1]:
                latest[asset_id] = (pk, at)
        old_changes = old_changes.exclude(pk__in=[pk for pk, _ in latest.values()])
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
