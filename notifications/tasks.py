"""Celery tasks of the notifications app: they take ids, call one service, are idempotent.

A delivery is attempted once queued (after the commit that made it); a failed attempt worth
retrying schedules the next at its backoff (`eta`); the beat sweep attempts whatever is due
and was not (a task lost with its worker, the embedded mode, where an `eta` is not waited for).
"""

from celery import shared_task
from django.utils import timezone

from cityplatform.taskbase import RetryingTask
from notifications.choices import DeliveryStatus
from notifications.selectors import deliveries_due_ids
from notifications.services.sending import delivery_attempt


@shared_task(base=RetryingTask, name="notifications.tasks.delivery_send")
def delivery_send(delivery_id: int) -> str:
    result = delivery_attempt(delivery_id=delivery_id)
    if result.status == DeliveryStatus.RETRYING and result.retry_at is not None:
        delivery_send.apply_async(args=[delivery_id], eta=result.retry_at)
    return result.status


@shared_task(base=RetryingTask, name="notifications.tasks.deliveries_sweep")
def deliveries_sweep() -> int:
    """Every 15 s: the deliveries due (queued, or retrying past their next attempt)."""
    now = timezone.now()
    sent = 0
    for delivery_id in deliveries_due_ids(now=now):
        if delivery_attempt(delivery_id=delivery_id, now=now).status != "skipped":
            sent += 1
    return sent
