"""Notifications through the real path: a device's MQTT telemetry → the in-process gateway →
PostgreSQL → the state sink on commit → Redis → a real Celery worker → an HTTP POST to a real
receiver. Throttling, a failing receiver (status failed, retried, then ok), and nothing of a
camera's purpose or welfare in any notification."""

import json
import time
from datetime import UTC, datetime

import pytest

from cityplatform.roles import Role
from devices.choices import AssetKind
from devices.models import Asset, CameraDetails
from ngsi.models import Subscription
from tests.devices.gateway_helpers import make_light, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def viewer(make_user, api_client):
    return api_client(make_user(Role.VIEWER))


@pytest.fixture
def fast_retries(settings, monkeypatch):
    settings.NGSI_NOTIFY_BACKOFF_S = 0.2
    settings.NGSI_NOTIFY_RETRIES = 3
    monkeypatch.setattr("ngsi.notify.ACTIVE_CACHE_S", 0.0)


def subscribe(client, receiver, **extra) -> str:
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Streetlight", "idPattern": "^urn:ngsi-ld:Streetlight:SL-N"}],
        "watchedAttributes": ["illuminanceLevel"],
        "notification": {
            "format": "keyValues",
            "attributes": ["illuminanceLevel", "powerState"],
            "endpoint": {"uri": receiver.url, "accept": "application/json"},
        },
        **extra,
    }
    response = client.post(
        "/ngsi-ld/v1/subscriptions", data=json.dumps(sub), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response["Location"].rsplit("/", 1)[1]


def level(peer, prefix, device_id: str, value: float) -> None:
    ts = datetime.now(UTC).isoformat()
    peer.publish(f"{prefix}/{device_id}/telemetry", {"ts": ts, "level": value})


def status(client, sub_id: str) -> dict:
    return json.loads(client.get(f"/ngsi-ld/v1/subscriptions/{sub_id}").content)["notification"]


def test_a_level_change_reaches_the_receiver(
    fast_retries, celery_worker, gateway, peer, prefix, receiver, viewer
):
    make_light("SL-N1")
    make_light("OTHER-1")  # not matched by the subscription's idPattern
    camera = Asset.objects.create(
        device_id="SL-NCAM", kind=AssetKind.CAMERA, latitude=51.5, longitude=-0.1
    )
    CameraDetails.objects.create(asset=camera, purpose="welfare watch on the resident at No 4")
    sub_id = subscribe(viewer, receiver)

    level(peer, prefix, "OTHER-1", 30)
    level(peer, prefix, "SL-NCAM", 30)
    level(peer, prefix, "SL-N1", 40)
    wait_for(lambda: receiver.received, what="a notification")
    time.sleep(0.5)  # nothing else comes
    assert len(receiver.received) == 1
    headers, note = receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    assert "ngsi-ld-core-context" in headers["Link"]
    assert note["type"] == "Notification" and note["subscriptionId"] == sub_id
    assert note["id"].startswith("urn:ngsi-ld:Notification:") and note["notifiedAt"]
    assert note["data"] == [
        {
            "id": "urn:ngsi-ld:Streetlight:SL-N1",
            "type": "Streetlight",
            "illuminanceLevel": 0.4,
            "powerState": "low",
        }
    ]
    raw = json.dumps(receiver.bodies())
    assert "welfare" not in raw and "purpose" not in raw and "resident" not in raw
    shown = status(viewer, sub_id)
    assert shown["status"] == "ok" and shown["timesSent"] == 1
    assert shown["lastSuccess"] and shown["lastNotification"] and "lastFailure" not in shown


def test_throttling_sends_the_changes_of_a_period_together(
    fast_retries, celery_worker, gateway, peer, prefix, receiver, viewer
):
    make_light("SL-N2")
    make_light("SL-N3")
    subscribe(viewer, receiver, throttling=2)
    level(peer, prefix, "SL-N2", 10)
    wait_for(lambda: receiver.received, what="the first notification")
    first = time.monotonic()
    level(peer, prefix, "SL-N2", 20)
    time.sleep(0.3)
    level(peer, prefix, "SL-N3", 100)
    time.sleep(0.3)
    level(peer, prefix, "SL-N2", 30)
    time.sleep(1.0)
    assert len(receiver.received) == 1  # within the throttling period: kept back
    wait_for(lambda: len(receiver.received) >= 2, what="the throttled notification")
    assert time.monotonic() - first >= 1.5
    data = receiver.bodies()[1]["data"]
    assert {e["id"][-5:]: e["illuminanceLevel"] for e in data} == {"SL-N2": 0.3, "SL-N3": 1.0}
    time.sleep(0.5)
    assert len(receiver.received) == 2


def test_a_failing_receiver_says_failed_is_retried_then_recovers(
    fast_retries, celery_worker, gateway, peer, prefix, receiver, viewer
):
    make_light("SL-N4")
    sub_id = subscribe(viewer, receiver)
    receiver.status = 503
    level(peer, prefix, "SL-N4", 55)
    wait_for(lambda: len(receiver.received) >= 2, what="a first try and a retry")
    wait_for(lambda: status(viewer, sub_id).get("status") == "failed", what="status failed")
    failed = status(viewer, sub_id)
    assert failed["lastFailure"] and "lastSuccess" not in failed
    receiver.status = 200
    wait_for(lambda: status(viewer, sub_id).get("status") == "ok", what="a retry delivered")
    shown = status(viewer, sub_id)
    assert shown["lastSuccess"] > shown["lastFailure"]
    assert shown["timesSent"] == len(receiver.received)
    assert all(b["data"][0]["illuminanceLevel"] == 0.55 for b in receiver.bodies())


def test_an_unreachable_receiver_fails_after_its_retries(
    fast_retries, celery_worker, gateway, peer, prefix, receiver, viewer
):
    make_light("SL-N5")
    sub_id = subscribe(viewer, receiver)
    receiver.close()  # nobody listens there any more
    level(peer, prefix, "SL-N5", 80)
    wait_for(lambda: status(viewer, sub_id).get("timesSent") == 4, what="1 try + 3 retries")
    time.sleep(1.0)
    shown = status(viewer, sub_id)
    assert shown["status"] == "failed" and shown["timesSent"] == 4
    assert Subscription.objects.get(pk=sub_id).last_success is None
