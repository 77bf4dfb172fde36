"""Celery tasks of lighting control: they take ids, call one service, and are idempotent."""

from celery import shared_task

from cityplatform.taskbase import RetryingTask
from lighting.services import faults, override_boundaries, reconcile


@shared_task(name="lighting.tasks.reconcile_all")
def reconcile_all() -> dict:
    """Every 30 s: desired levels for every light, commands only where needed."""
    result = reconcile.reconcile_all()
    if result is None:
        return {"skipped": "another reconcile is running"}
    return {"lights": result.lights, "changed": result.changed, "resent": result.resent}


@shared_task(name="lighting.tasks.overrides_sweep")
def overrides_sweep() -> dict:
    """Every 10 s: starts overrides whose start has come, ends those past their expiry."""
    return override_boundaries.overrides_sweep()


@shared_task(base=RetryingTask, name="lighting.tasks.command_override_boundary")
def command_override_boundary(override_id: int) -> str:
    """At an override's start or expiry (scheduled with an eta; the sweep is the safety net)."""
    return override_boundaries.override_boundary(override_id=override_id)


@shared_task(name="lighting.tasks.faults_detect")
def faults_detect() -> dict:
    """Every 5 minutes: lamp failure, day-burning, dimming failure from reported state."""
    return faults.lighting_faults_detect()
