"""Partners told of emergencies (emergency.partners): the city's public alerts as valid CAP
1.2 to a partner that wants CAP (webhook body, application/cap+xml), JSON to the others; an
official warning acted on; an emergency plan started, read from a stand-in plan run (the plans
app's model is not on this branch)."""

from types import SimpleNamespace

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from cctv.services.sources import source_create
from cityplatform.roles import Role
from devices.choices import ZoneKind
from devices.demo_data import CITY, WARDS
from devices.models import Zone
from emergency.cap.parse import cap_parse
from emergency.signals import plan_started
from notifications.choices import EventKind
from notifications.models import Delivery
from notifications.services.recipients import subscription_create
from tests.emergency.conftest import cap_xml, reference, ring, signed_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards(db):
    city = Zone.objects.create(name="City of London", kind=ZoneKind.CITY, boundary=ring(CITY))
    found = {"City of London": city}
    for name, points in WARDS.items():
        found[name] = Zone.objects.create(
            name=name, kind=ZoneKind.WARD, parent=city, boundary=ring(points)
        )
    return found


def test_a_published_alert_reaches_a_cap_partner_as_valid_cap(
    wards, partner, http_receiver, committed, make_user
):
    ea = partner("ea", webhook_url=http_receiver.url, wants_cap=True)
    json_partner = partner("police", webhook_url=http_receiver.url + "/json")
    for recipient in (ea, json_partner):
        city = wards["City of London"].pk
        subscription_create(recipient=recipient, actor="test", zone_ids=[city])
    supervisor = APIClient()
    supervisor.force_authenticate(make_user(Role.SECURITY_SUPERVISOR))

    with committed():
        answer = supervisor.post(
            "/api/v1/emergency/published/",
            {"event": "Gas leak", "headline": "Gas leak on Cheapside",
             "instruction": "Keep away from Cheapside", "zones": [wards["Cheap"].pk]},
            format="json",
        )  # fmt: skip

    assert answer.status_code == 201, answer.json()
    by_path = {r.path: r for r in http_receiver.requests}
    cap = by_path["/hook"]
    assert cap.headers["Content-Type"] == "application/cap+xml"
    assert cap.signature_valid(ea.webhook_secret)
    message = cap_parse(cap.body, max_bytes=512 * 1024)  # validated against the CAP 1.2 XSD
    assert message.identifier == answer.json()["identifier"]
    assert message.msg_type == "Alert" and message.event == "Gas leak"
    assert message.instruction == "Keep away from Cheapside"
    plain = by_path["/hook/json"]
    assert plain.headers["Content-Type"] == "application/json"
    assert plain.json()["event"] == EventKind.PUBLISHED_ISSUED
    assert plain.json()["data"]["identifier"] == answer.json()["identifier"]

    with committed():
        cancelled = supervisor.post(
            f"/api/v1/emergency/published/{answer.json()['id']}/cancel/",
            {"note": "All clear"},
            format="json",
        )
    assert cancelled.status_code == 201
    cap_messages = [
        cap_parse(r.body, max_bytes=512 * 1024)
        for r in http_receiver.requests
        if r.headers["Content-Type"] == "application/cap+xml"
    ]
    assert [m.msg_type for m in cap_messages] == ["Alert", "Cancel"]
    assert cap_messages[1].references[0][1] == message.identifier


def test_an_official_warning_acted_on_tells_subscribed_partners(
    wards, partner, smtp_server, committed, settings
):
    _, secret = source_create(name="ea-push", description="EA", actor="test")
    settings.CAP_PUSH_SOURCES = ["ea-push"]
    fire = partner("fire", email="control@fire.example", wants_cap=True)
    subscription_create(recipient=fire, actor="test", event_kinds=[EventKind.ALERT_RECEIVED])
    body = cap_xml("EA-7")

    with committed():
        pushed = APIClient().post(
            "/api/v1/emergency/cap/",
            data=body,
            content_type="application/cap+xml",
            **signed_headers(secret, body),
        )

    assert pushed.status_code == 201, pushed.json()
    (message,) = smtp_server.messages
    assert "Flood warning" in message["Subject"]
    assert "Move to higher ground." in message.get_body(("plain",)).get_content()
    (attached,) = message.iter_attachments()
    assert attached.get_content_type() == "application/cap+xml"
    assert b"<identifier>EA-7</identifier>" in attached.get_content()


def test_a_plan_started_tells_the_plan_partners(wards, partner, http_receiver, committed):
    fire = partner("fire", webhook_url=http_receiver.url)
    partner("police", webhook_url=http_receiver.url + "/police")  # not one of the plan's
    plan = SimpleNamespace(name="Thames flood", partners=["fire", "gone"], zones=[wards["Cheap"]])
    plan_run = SimpleNamespace(pk=12, plan=plan)

    with committed():
        plan_started.send(sender=object, plan_run=plan_run)

    (request,) = http_receiver.requests
    assert request.path == "/hook" and request.signature_valid(fire.webhook_secret)
    assert request.json()["subject"] == "Emergency plan started: Thames flood"
    assert request.json()["zones"] == [wards["Cheap"].pk]
    assert request.json()["data"] == {"plan": "Thames flood", "run": 12}


def test_a_plan_run_without_the_expected_attributes_notifies_no_one(partner, committed):
    partner("fire", email="control@fire.example")

    with committed():
        plan_started.send(sender=object, plan_run=SimpleNamespace())

    assert Delivery.objects.count() == 0


def test_a_cancelled_warning_tells_partners_it_ended(wards, partner, http_receiver, committed):
    _, secret = source_create(name="ea-push", description="EA", actor="test")
    police = partner("police", webhook_url=http_receiver.url)
    subscription_create(recipient=police, actor="test", zone_ids=[wards["Cheap"].pk])
    first = cap_xml("EA-8")
    cancel = cap_xml("EA-8-cancel", msg_type="Cancel", references=reference(first))

    with override_settings(CAP_PUSH_SOURCES=["ea-push"]):
        for body in (first, cancel):
            with committed():
                answer = APIClient().post(
                    "/api/v1/emergency/cap/",
                    data=body,
                    content_type="application/cap+xml",
                    **signed_headers(secret, body),
                )
            assert answer.status_code == 201, answer.json()

    events = [r.json()["event"] for r in http_receiver.requests]
    assert events == [EventKind.ALERT_RECEIVED, EventKind.ALERT_ENDED]
    ended = http_receiver.requests[1].json()
    assert ended["subject"].startswith("Ended (cancelled): Flood warning")
    assert ended["data"]["identifier"] == "EA-8"
