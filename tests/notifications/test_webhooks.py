"""Webhooks to a real HTTP receiver: signed as the contract says, retried with backoff on the
failures worth retrying, every attempt in the delivery log; nothing sent for a rollback."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.choices import DeliveryStatus, EventKind
from notifications.models import Delivery
from notifications.services.notify import notify
from notifications.services.sending import delivery_attempt
from notifications.tasks import deliveries_sweep

pytestmark = pytest.mark.django_db


def _notify_fire(**more):
    return notify(
        EventKind.INCIDENT,
        subject="Fire at the Barbican",
        text="Road closed",
        payload={"incident": 7},
        recipients=["fire"],
        **more,
    )


def test_webhook_is_signed_with_the_recipient_secret(partner, http_receiver, committed):
    fire = partner("fire", webhook_url=http_receiver.url)

    with committed():
        (delivery,) = _notify_fire(zones=[], priority=5)

    (request,) = http_receiver.requests
    assert request.headers["Content-Type"] == "application/json"
    assert request.signature_valid(fire.webhook_secret)
    assert not request.signature_valid("another secret")
    assert abs(int(request.headers["X-Timestamp"]) - timezone.now().timestamp()) < 60
    body = request.json()
    assert body["id"] == delivery.pk
    assert body["event"] == "incident"
    assert body["subject"] == "Fire at the Barbican"
    assert body["data"] == {"incident": 7}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None
    (attempt,) = delivery.attempt_log.all()
    assert attempt.ok and attempt.status_code == 200


def test_a_receiver_failing_twice_is_retried_with_backoff(
    partner, http_receiver, committed, settings
):
    settings.NOTIFY_RETRY_BACKOFF_S = 2
    partner("fire", webhook_url=http_receiver.url)
    http_receiver.statuses = [500, 503]

    with committed():
        (delivery,) = _notify_fire()

    # The first attempt failed: the next waits 2 s (no other attempt before then).
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    first = delivery.attempt_log.get().at
    assert delivery.next_attempt_at == first + timedelta(seconds=2)
    assert deliveries_sweep() == 0
    assert len(http_receiver.requests) == 1

    # At 2 s: fails again, the wait doubles; at 4 s more: delivered.
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at == first + timedelta(seconds=2 + 4)
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    log = [
        (a.number, a.ok, a.status_code, (a.at - first).total_seconds())
        for a in delivery.attempt_log.all()
    ]
    assert log == [(1, False, 500, 0.0), (2, False, 503, 2.0), (3, True, 200, 6.0)]
    assert len(http_receiver.requests) == 3
    # Each attempt is signed afresh, the same body each time.
    assert len({r.body for r in http_receiver.requests}) == 1


def test_after_the_last_attempt_the_delivery_fails(partner, http_receiver, committed, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    partner("fire", webhook_url=http_receiver.url)
    http_receiver.statuses = [502, 502]

    with committed():
        (delivery,) = _notify_fire()
    delivery.refresh_from_db()
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2 and delivery.next_attempt_at is None
    assert delivery_attempt(delivery_id=delivery.pk).status == "skipped"  # failed stays failed
    assert len(http_receiver.requests) == 2


def test_a_refusal_is_not_retried(partner, http_receiver, committed):
    partner("fire", webhook_url=http_receiver.url)
    http_receiver.statuses = [404]

    with committed():
        (delivery,) = _notify_fire()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "HTTP 404 Not Found"
    assert delivery.attempts == 1


def test_an_unreachable_receiver_is_retried(partner, committed, free_port):
    partner("fire", webhook_url=f"http://127.0.0.1:{free_port}/nobody-listens")

    with committed():
        (delivery,) = _notify_fire()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "ConnectionError" in delivery.last_error


def test_a_rolled_back_event_notifies_no_one(partner, http_receiver, committed):
    partner("fire", webhook_url=http_receiver.url)

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        _notify_fire()
        raise RuntimeError("the alarm was not saved")

    assert Delivery.objects.count() == 0
    assert http_receiver.requests == []


def test_a_recipient_made_inactive_meanwhile_is_not_sent_to(partner, http_receiver, settings):
    fire = partner("fire", webhook_url=http_receiver.url)
    (delivery,) = _notify_fire()  # queued (not committed: the test's transaction)
    fire.active = False
    fire.save()

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the recipient was made inactive"
    assert http_receiver.requests == []
