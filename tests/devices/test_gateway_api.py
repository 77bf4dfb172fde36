"""The gateway's API: rejected messages (asset managers), commands and telemetry (every role)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.choices import CommandState, RejectReason
from devices.models import RejectedMessage, Telemetry
from devices.services.commands import commands_issue
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db


def reject(**fields):
    defaults = {
        "received_at": timezone.now(),
        "topic": "city/v1/SL-1/telemetry",
        "device_id": "SL-1",
        "payload": "{not json",
        "reason_code": RejectReason.INVALID_JSON,
        "reason": "not valid JSON",
    }
    return RejectedMessage.objects.create(**(defaults | fields))


def test_asset_managers_list_and_filter_rejected_messages(make_user, api_client):
    reject()
    reject(device_id="SL-2", reason_code=RejectReason.UNKNOWN_DEVICE, reason="unknown device")
    client = api_client(make_user(Role.ASSET_MANAGER))

    everything = client.get("/api/v1/rejected-messages/").json()
    assert everything["count"] == 2
    unknown = client.get("/api/v1/rejected-messages/", {"reason_code": "unknown_device"}).json()
    assert [m["device_id"] for m in unknown["results"]] == ["SL-2"]
    detail = client.get(f"/api/v1/rejected-messages/{everything['results'][1]['id']}/").json()
    assert "payload" in detail


def test_a_bad_filter_is_a_400_naming_the_field(make_user, api_client):
    client = api_client(make_user(Role.ASSET_MANAGER))
    response = client.get("/api/v1/rejected-messages/", {"reason_code": "nonsense"})
    assert response.status_code == 400
    assert "reason_code" in str(response.json())


def test_viewers_may_not_read_rejected_payloads(make_user, api_client):
    reject()
    response = api_client(make_user(Role.VIEWER)).get("/api/v1/rejected-messages/")
    assert response.status_code == 403


def test_commands_are_listed_read_only_with_their_state(make_user, api_client):
    light = make_light("SL-A1")
    (command,) = commands_issue(levels={light.pk: 90}, reason="boost", issued_by="test")
    client = api_client(make_user(Role.VIEWER))
    listed = client.get("/api/v1/commands/", {"device_id": "SL-A1"}).json()
    assert [(c["id"], c["state"], c["level"]) for c in listed["results"]] == [
        (str(command.pk), CommandState.QUEUED, 90.0)
    ]
    assert client.get(f"/api/v1/commands/{command.pk}/").json()["device_id"] == "SL-A1"
    assert client.post("/api/v1/commands/", {"level": 1}).status_code in (403, 405)


def test_telemetry_per_asset_within_a_window(make_user, api_client):
    light = make_light("SL-A2")
    t0 = datetime(2026, 11, 1, 18, tzinfo=UTC)
    Telemetry.objects.bulk_create(
        [Telemetry(asset=light, ts=t0 + timedelta(minutes=10 * n), level=n) for n in range(6)]
    )
    client = api_client(make_user(Role.VIEWER))
    window = client.get(
        "/api/v1/assets/SL-A2/telemetry/",
        {
            "since": (t0 + timedelta(minutes=20)).isoformat(),
            "until": (t0 + timedelta(minutes=40)).isoformat(),
        },
    ).json()
    assert [s["level"] for s in window["results"]] == [3, 2]
    assert client.get("/api/v1/assets/NOPE/telemetry/").status_code == 404
    bad = client.get("/api/v1/assets/SL-A2/telemetry/", {"since": "soon"})
    assert bad.status_code == 400 and "since" in str(bad.json())
