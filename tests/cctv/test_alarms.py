"""The alarm life-cycle through the API, who may do what, welfare alarms kept from viewers
(in the API and on the live channel)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from cctv.choices import AlarmCategory, AlarmState
from cctv.models import Alarm
from cctv.services.rules import alarm_rule_create
from cityplatform.asgi import application
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db

ALARMS = "/api/v1/cctv/alarms/"


@pytest.fixture
def alarm(camera, ingest):
    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"], priority=10)
    ingest([device_event(camera, "e-1")])
    return Alarm.objects.get()


@pytest.fixture
def welfare_alarm(make_camera, high_risk_zone, ingest):
    camera = make_camera(zone=high_risk_zone)
    alarm_rule_create(
        actor="test", name="Early warning", event_types=["vulnerable_person"], priority=1
    )
    ingest([device_event(camera, "w-1", type="vulnerable_person")])
    return Alarm.objects.get(category=AlarmCategory.WELFARE)


def test_an_operator_works_an_alarm_from_new_to_closed(alarm, make_user, api_client):
    operator = make_user(Role.SECURITY_OPERATOR)
    colleague = make_user(Role.SECURITY_OPERATOR)
    client = api_client(operator)
    url = f"{ALARMS}{alarm.pk}/"

    acked = client.post(url + "acknowledge/")
    assert acked.status_code == 200 and acked.json()["state"] == AlarmState.ACKNOWLEDGED
    assert acked.json()["acknowledged_by"] == operator.username
    assigned = client.post(url + "assign/", {"assignee": colleague.username})
    assert assigned.json()["assignee"] == colleague.username
    noted = client.post(url + "notes/", {"text": "Patrol sent to Cheapside."})
    assert noted.status_code == 201
    held = client.post(url + "hold/", {"note": "Waiting for the patrol"})
    assert held.json()["state"] == AlarmState.ON_HOLD and held.json()["held_by"]
    assert client.post(url + "acknowledge/").json()["state"] == AlarmState.ACKNOWLEDGED
    closed = client.post(url + "close/", {"resolution": "resolved", "note": "Nobody there"})
    body = closed.json()
    assert body["state"] == AlarmState.CLOSED and body["resolution"] == "resolved"
    assert body["closed_by"] == operator.username and body["closed_at"]
    assert [step["action"] for step in body["timeline"]] == [
        "raised",
        "acknowledged",
        "assigned",
        "note",
        "held",
        "acknowledged",
        "closed",
    ]
    assert body["events"] == list(alarm.events.values_list("pk", flat=True))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "cctv.alarm_acknowledged",
        "cctv.alarm_assigned",
        "cctv.alarm_note_added",
        "cctv.alarm_held",
        "cctv.alarm_closed",
    } <= actions
    again = client.post(url + "close/", {"resolution": "resolved"})
    assert again.status_code == 409


def test_closing_needs_a_known_resolution(alarm, make_user, api_client):
    client = api_client(make_user(Role.SECURITY_OPERATOR))
    response = client.post(f"{ALARMS}{alarm.pk}/close/", {"resolution": "bored"})
    assert response.status_code == 400 and "resolution" in response.json()["extra"]["fields"]


def test_a_viewer_sees_alarms_but_cannot_acknowledge(alarm, make_user, api_client):
    viewer = api_client(make_user(Role.VIEWER))
    assert viewer.get(ALARMS).json()["count"] == 1
    assert viewer.post(f"{ALARMS}{alarm.pk}/acknowledge/").status_code == 403
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.NEW


def test_roles_without_cctv_access_see_no_alarms(alarm, make_user, api_client):
    assert api_client(make_user(Role.LIGHTING_OPERATOR)).get(ALARMS).status_code == 403


def test_welfare_alarms_are_invisible_to_viewers(alarm, welfare_alarm, make_user, api_client):
    viewer = api_client(make_user(Role.VIEWER))
    listed = viewer.get(ALARMS).json()["results"]
    assert [a["id"] for a in listed] == [alarm.pk]
    assert viewer.get(f"{ALARMS}{welfare_alarm.pk}/").status_code == 404
    operator = api_client(make_user(Role.SECURITY_OPERATOR))
    ids = {a["id"] for a in operator.get(ALARMS).json()["results"]}
    assert ids == {alarm.pk, welfare_alarm.pk}
    assert operator.post(f"{ALARMS}{welfare_alarm.pk}/acknowledge/").status_code == 200


def test_a_welfare_alarm_cannot_be_assigned_to_someone_not_allowed(
    welfare_alarm, make_user, api_client
):
    viewer = make_user(Role.VIEWER)
    client = api_client(make_user(Role.SECURITY_SUPERVISOR))
    response = client.post(f"{ALARMS}{welfare_alarm.pk}/assign/", {"assignee": viewer.username})
    assert response.status_code == 400 and "assignee" in response.json()["extra"]["fields"]


def test_the_alarm_list_query_count_does_not_grow_with_alarms(
    camera, ingest, make_user, api_client, django_assert_max_num_queries
):
    alarm_rule_create(actor="test", name="Any", event_types=["intrusion"], retrigger_s=0)
    ingest([device_event(camera, f"n-{i}") for i in range(15)])
    client = api_client(make_user(Role.SECURITY_OPERATOR))
    with django_assert_max_num_queries(8):
        assert client.get(ALARMS).json()["count"] == 15


# --- Live ---------------------------------------------------------------------------------------


async def _connect(client, user):
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"action": "subscribe", "topics": ["alarms"]})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribed"
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_alarms_are_pushed_live_and_welfare_ones_never_reach_viewers(
    make_user, make_camera, high_risk_zone, client
):
    from django.test import Client

    viewer = await sync_to_async(make_user)(Role.VIEWER)
    operator = await sync_to_async(make_user)(Role.SECURITY_OPERATOR)
    viewer_socket = await _connect(Client(), viewer)
    operator_socket = await _connect(Client(), operator)

    def raise_alarms():
        from cctv.services.ingest import events_ingest

        plain = make_camera()
        welfare = make_camera(zone=high_risk_zone)
        alarm_rule_create(actor="t", name="Intrusion", event_types=["intrusion"])
        alarm_rule_create(actor="t", name="Early warning", event_types=["vulnerable_person"])
        events_ingest([device_event(welfare, "w", type="vulnerable_person")])
        events_ingest([device_event(plain, "p")])

    await sync_to_async(raise_alarms)()
    seen_by_operator = [await operator_socket.receive_json_from(timeout=5) for _ in range(2)]
    assert sorted(m["data"]["category"] for m in seen_by_operator) == ["security", "welfare"]
    assert all(m["type"] == "alarm.raised" for m in seen_by_operator)
    first = await viewer_socket.receive_json_from(timeout=5)
    assert first["data"]["category"] == "security"
    assert await viewer_socket.receive_nothing(timeout=0.5)
    await viewer_socket.disconnect()
    await operator_socket.disconnect()
