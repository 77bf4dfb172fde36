"""The NGSI-LD app's Celery tasks (default queue): notifications of subscriptions. Each takes
ids and calls one service (ngsi/notify.py, ngsi/delivery.py)."""

from celery import shared_task

from cityplatform.taskbase import RetryingTask
from ngsi import delivery
from ngsi.notify import notifications_plan


@shared_task(base=RetryingTask, name="ngsi.tasks.notify_changes", ignore_result=True)
def notify_changes(changes: dict[str, list[str]]) -> dict[str, str]:
    """A stored batch's changes (asset pk → what changed) to the subscriptions concerned."""
    return {
        sub_id: delivery.deliver(sub_id, pks) for sub_id, pks in notifications_plan(changes).items()
    }


@shared_task(base=RetryingTask, name="ngsi.tasks.subscription_flush", ignore_result=True)
def subscription_flush(sub_id: str) -> str:
    return delivery.flush(sub_id)


@shared_task(base=RetryingTask, name="ngsi.tasks.notification_retry", ignore_result=True)
def notification_retry(sub_id: str, asset_pks: list[int], attempt: int) -> str:
    return delivery.send(sub_id, asset_pks, attempt)
