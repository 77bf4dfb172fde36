"""The emergency app's Celery tasks (beat, cityplatform/celery.py): the feeds due polled, the
alerts past their `expires` ended. Each calls one service and is idempotent."""

from celery import shared_task

from cityplatform.taskbase import RetryingTask
from emergency.services.feeds import feeds_poll_due
from emergency.services.inbound import alerts_expire
from emergency.services.thresholds import thresholds_judge


@shared_task(base=RetryingTask, name="emergency.tasks.feeds_poll")
def feeds_poll() -> dict[str, dict[str, int]]:
    """Polls the enabled CAP feeds whose interval has passed."""
    return feeds_poll_due()


@shared_task(base=RetryingTask, name="emergency.tasks.alerts_expire")
def alerts_expire_sweep() -> int:
    """Ends the alerts past their `expires` (their alarms close)."""
    return alerts_expire()


@shared_task(base=RetryingTask, name="emergency.tasks.thresholds_judge")
def thresholds_judge_sweep() -> dict[str, int]:
    """Judges the sensor threshold rules against new telemetry (alarms raised and cleared)."""
    return thresholds_judge()
