"""Platform-wide tasks."""

from celery import shared_task
from django.utils import timezone

from cityplatform import metrics


@shared_task(name="cityplatform.tasks.heartbeat")
def heartbeat() -> str:
    """Marks the task runner alive; /metrics shows when it last ran."""
    now = timezone.now()
    metrics.TASK_RUNNER_HEARTBEAT.set(now.timestamp())
    return now.isoformat()


@shared_task(name="cityplatform.tasks.echo")
def echo(value: str) -> str:
    """A round trip through the broker and a worker (used by the readiness tests)."""
    return value
