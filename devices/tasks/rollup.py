"""The telemetry roll-up task.

Beat entry (cityplatform/celery.py):
    "devices-telemetry-rollup": {"task": "devices.tasks.telemetry_rollup",
                                 "schedule": timedelta(minutes=5)},
"""

from celery import shared_task

from cityplatform.taskbase import RetryingTask
from devices.services.rollup import telemetry_rollup


@shared_task(base=RetryingTask, name="devices.tasks.telemetry_rollup")
def telemetry_rollup_task() -> dict[str, int]:
    """Rolls the telemetry stored since the last run up into hours (TelemetryHourly)."""
    return telemetry_rollup()
