"""An emergency alarm (no camera, several zones) in the security queue: the console's first
load, its live messages and the alarm API carry it like any other."""

import json

import pytest
from django.test import Client

from cctv.live import alarm_message
from cctv.models import Alarm
from cityplatform.live import build_message
from cityplatform.roles import Role
from emergency.models import CapAlert
from tests.emergency.conftest import cap_xml

pytestmark = pytest.mark.django_db


def test_the_live_alarm_message_round_trips_without_a_camera(push, wards):
    push(cap_xml())
    alarm = Alarm.objects.get()
    message = build_message("alarm.raised", alarm_message(alarm))
    data = json.loads(json.dumps(message.model_dump(mode="json")))["data"]
    assert data["camera"] == "" and data["category"] == "emergency"
    assert sorted(data["zone_ids"]) == sorted([wards["Cheap"].pk, wards["Bassishaw"].pk])


def test_the_security_console_lists_the_warning(push, wards, make_user):
    push(cap_xml(headline="River over the wall"))
    client = Client()
    client.force_login(make_user(Role.SECURITY_OPERATOR))
    page = client.get("/security/")
    assert page.status_code == 200
    assert "River over the wall" in page.content.decode()


def test_a_viewer_sees_the_alarm_but_not_the_alert_behind_it(push, wards, make_user, api_client):
    push(cap_xml())
    viewer = api_client(make_user(Role.VIEWER))
    assert viewer.get("/api/v1/cctv/alarms/").json()["count"] == 1
    assert viewer.get("/api/v1/emergency/alerts/").status_code == 403
    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR))
    listed = supervisor.get("/api/v1/emergency/alerts/").json()["results"]
    assert [a["id"] for a in listed] == [CapAlert.objects.get().pk]
