"""Registry tasks: telemetry retention and camera ↔ light proximity upkeep."""

from celery import shared_task
from django.conf import settings

from devices.services.history import telemetry_purge
from devices.services.proximity import proximity_sync


@shared_task(name="devices.tasks.telemetry_purge")
def telemetry_purge_task() -> dict[str, int]:
    """Deletes telemetry older than TELEMETRY_RETENTION_DAYS (idempotent, in batches)."""
    return telemetry_purge(days=settings.TELEMETRY_RETENTION_DAYS)


@shared_task(name="devices.tasks.proximity_rebuild")
def proximity_rebuild_task() -> dict[str, int]:
    """Recomputes every camera's nearby lights (after CAMERA_LIGHT_RADIUS_M changes)."""
    return proximity_sync()
