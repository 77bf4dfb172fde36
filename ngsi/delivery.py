"""Sending a subscription's notification (ETSI GS CIM 009 §5.8.1, HTTP binding §7.2): the
entities' current state POSTed to the endpoint as `{id, type: Notification, subscriptionId,
notifiedAt, data}`, honouring `throttling`, retried with a doubling backoff, and the
subscription's notification status kept (status ok|failed, timesSent, lastNotification,
lastSuccess, lastFailure).

Throttling: a change within `throttling` seconds of the last notification is kept in the
subscription's `pending` pks and sent once the period is over (one flush task, whatever the
number of changes meanwhile). The HTTP request is made outside any database lock."""

import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from cityplatform.celery import app as celery_app
from ngsi import entities
from ngsi.models import NotificationFormat, NotificationStatus, Subscription
from ngsi.notify import entities_of, live_subscriptions, q_matches

log = logging.getLogger(__name__)
LD_JSON = "application/ld+json"
LINK = f'<{entities.CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="{LD_JSON}"'


def _later(name: str, args: list, seconds: float) -> None:
    """The task (by name: ngsi/tasks.py imports this module) after `seconds`: by Celery's
    countdown, or (the embedded runner, eager, which would run it at once) by a timer thread."""
    task = celery_app.tasks[name]
    if task.app.conf.task_always_eager and seconds > 0:
        timer = threading.Timer(seconds, _run_eager, (task, args))
        timer.daemon = True
        timer.start()
        return
    task.apply_async(args=args, countdown=max(seconds, 0))


def _run_eager(task, args: list) -> None:
    try:
        task.apply(args=args)
    finally:
        db_connection.close()


def notification_body(sub: Subscription, data: list[dict]) -> dict:
    out = []
    for entity in data:
        if sub.attributes:
            keep = {"id", "type", *sub.attributes}
            entity = {k: v for k, v in entity.items() if k in keep}
        if sub.format == NotificationFormat.NORMALIZED:
            entity = entities.normalise(entity)
        if sub.endpoint_accept == LD_JSON:
            entity = {**entity, "@context": entities.CONTEXTS}
        out.append(entity)
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub.id,
        "notifiedAt": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": out,
    }


def post(sub: Subscription, body: dict) -> str:
    """'' when the endpoint answered 2xx, else why not (in words, for the log)."""
    headers = {"Content-Type": sub.endpoint_accept, "User-Agent": "cityplatform-ngsi-ld"}
    if sub.endpoint_accept != LD_JSON:
        headers["Link"] = LINK
    request = urllib.request.Request(  # noqa: S310 (http/https only: checked at subscribe)
        sub.endpoint_uri, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NGSI_NOTIFY_TIMEOUT_S) as answer:  # noqa: S310
            return "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {getattr(error, 'reason', error)}"


def _record(sub_id: str, failure: str) -> None:
    now = timezone.now()
    fields = {"last_notification": now}
    if failure:
        fields.update(status=NotificationStatus.FAILED, last_failure=now)
    else:
        fields.update(status=NotificationStatus.OK, last_success=now)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=sub_id).first()
        if sub is None:
            return
        for name, value in fields.items():
            setattr(sub, name, value)
        sub.times_sent += 1
        sub.save(update_fields=[*fields, "times_sent", "modified_at"])


def send(sub_id: str, asset_pks: list[int], attempt: int = 0) -> str:
    """Sends the current state of these entities now; on failure queues a retry (backoff
    doubling from NGSI_NOTIFY_BACKOFF_S, NGSI_NOTIFY_RETRIES times). '' when delivered."""
    sub = live_subscriptions().filter(pk=sub_id).first()
    if sub is None:
        return "gone"
    built = entities_of(asset_pks)
    data = [built[pk] for pk in sorted(built) if q_matches(sub, built[pk])]
    if not data:
        return ""
    failure = post(sub, notification_body(sub, data))
    _record(sub_id, failure)
    if failure:
        log.warning("NGSI-LD notification of %s failed (%s), attempt %d", sub_id, failure, attempt)
        if attempt < settings.NGSI_NOTIFY_RETRIES:
            backoff = settings.NGSI_NOTIFY_BACKOFF_S * 2**attempt
            _later("ngsi.tasks.notification_retry", [sub_id, asset_pks, attempt + 1], backoff)
    return failure


def deliver(sub_id: str, asset_pks: list[int]) -> str:
    """Now, or once the subscription's throttling period is over: 'sent', 'throttled', 'gone'."""
    now = timezone.now()
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=sub_id).first()
        if sub is None:
            return "gone"
        due = (
            sub.last_notification + timedelta(seconds=sub.throttling)
            if (sub.throttling and sub.last_notification)
            else None
        )
        if sub.flush_at is not None or (due is not None and due > now):
            sub.pending = sorted(set(sub.pending) | set(asset_pks))
            schedule = sub.flush_at is None
            if schedule:
                sub.flush_at = due
            sub.save(update_fields=["pending", "flush_at", "modified_at"])
            if schedule:
                wait = (due - now).total_seconds()
                transaction.on_commit(
                    lambda: _later("ngsi.tasks.subscription_flush", [sub_id], wait)
                )
            return "throttled"
        # Claimed before the request: a concurrent change sees this notification as the last.
        sub.last_notification = now
        sub.save(update_fields=["last_notification", "modified_at"])
    send(sub_id, asset_pks)
    return "sent"


def flush(sub_id: str) -> str:
    """The throttled changes of a subscription, sent together once its period is over."""
    now = timezone.now()
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=sub_id).first()
        if sub is None or sub.flush_at is None:
            return "gone"
        if sub.flush_at > now + timedelta(milliseconds=50):
            # Early (a worker's clock, an eager run): come back when it is due.
            wait = (sub.flush_at - now).total_seconds()
            transaction.on_commit(lambda: _later("ngsi.tasks.subscription_flush", [sub_id], wait))
            return "early"
        pks, sub.pending, sub.flush_at = sub.pending, [], None
        sub.last_notification = now
        sub.save(update_fields=["pending", "flush_at", "last_notification", "modified_at"])
    if pks:
        send(sub_id, pks)
    return "sent"
