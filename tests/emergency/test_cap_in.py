"""CAP 1.2 in, pushed: a signed warning over two wards opens an emergency alarm on those wards in
the security queue; an Update changes it, a Cancel or its expiry closes it; whatever is not a
valid, safe CAP 1.2 message is refused with its reason kept; a replay is a 409."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from cctv.choices import AlarmCategory, AlarmState
from cctv.models import Alarm
from cityplatform.roles import Role
from emergency.choices import AlertState, RefusalReason
from emergency.models import CapAlert, RefusedAlert, ZoneGeocode
from emergency.services.inbound import alerts_expire
from tests.emergency.conftest import ELSEWHERE, PUSH_URL, cap_xml, reference, signed_headers

pytestmark = pytest.mark.django_db


def test_a_signed_warning_over_two_wards_becomes_an_alarm_on_those_wards(push, wards):
    response = push(cap_xml())
    assert response.status_code == 201, response.json()
    alert = CapAlert.objects.get()
    assert response.json() == {"id": alert.pk, "state": "active", "alarm": alert.alarm_id}
    alarm = Alarm.objects.get()
    assert alarm.category == AlarmCategory.EMERGENCY and alarm.camera is None
    names = sorted(z.name for z in alarm.zones.all())
    assert names == ["Bassishaw", "Cheap"]
    assert sorted(z.name for z in alert.zones.all()) == names
    assert alarm.title == "Flood warning: Flood warning for the riverside"
    assert alarm.priority == 10  # Severe, Immediate, Observed
    assert alarm.log.get().text == "Move to higher ground."


def test_the_alarm_queue_serves_an_alarm_without_a_camera(push, wards, make_user):
    push(cap_xml())
    operator = APIClient()
    operator.force_authenticate(make_user(Role.SECURITY_OPERATOR))
    listed = operator.get("/api/v1/cctv/alarms/").json()["results"]
    assert [(a["category"], a["camera"]) for a in listed] == [("emergency", None)]
    detail = operator.get(f"/api/v1/cctv/alarms/{listed[0]['id']}/").json()
    assert sorted(detail["zones"]) == sorted([wards["Cheap"].pk, wards["Bassishaw"].pk])
    page = operator.get("/security/")
    assert page.status_code in (200, 302)


def test_an_unsigned_push_is_refused_and_stores_nothing(wards, push_source):
    body = cap_xml()
    response = APIClient().post(PUSH_URL, data=body, content_type="application/cap+xml")
    assert response.status_code == 401
    forged = signed_headers("not-the-secret", body)
    assert (
        APIClient().post(PUSH_URL, data=body, content_type="application/xml", **forged).status_code
        == 401
    )
    assert CapAlert.objects.count() == 0 and Alarm.objects.count() == 0


def test_a_source_not_allowed_to_push_cap_is_forbidden(push, push_source, settings):
    settings.CAP_PUSH_SOURCES = []
    assert push(cap_xml()).status_code == 403
    assert CapAlert.objects.count() == 0


def test_a_replayed_request_or_message_is_a_409(push, push_source, wards):
    _, secret = push_source
    body = cap_xml()
    headers = signed_headers(secret, body)
    assert push(body, headers).status_code == 201
    again = push(body, headers)
    assert again.status_code == 409 and "replay" in again.json()["message"]
    # The same message signed afresh (a new timestamp): the same sender, identifier and sent.
    resent = push(
        body, {**signed_headers(secret, body), "HTTP_X_TIMESTAMP": headers["HTTP_X_TIMESTAMP"]}
    )
    assert resent.status_code in (401, 409)
    assert CapAlert.objects.count() == 1 and Alarm.objects.count() == 1


def test_the_same_message_pushed_twice_is_a_409(push, push_source, wards):
    body = cap_xml()
    assert push(body).status_code == 201
    padded = body + b"\n"  # another request (another signature), the same message
    response = push(padded)
    assert response.status_code == 409
    assert response.json()["extra"]["reason"] == RefusalReason.DUPLICATE


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<alert><unclosed></alert>", RefusalReason.NOT_XML),
        (b"not xml at all", RefusalReason.NOT_XML),
        (
            cap_xml().replace(b"<status>Actual</status>", b"<status>Maybe</status>"),
            RefusalReason.SCHEMA,
        ),
        (cap_xml().replace(b"<scope>Public</scope>", b""), RefusalReason.SCHEMA),
        (
            cap_xml().replace(b"urn:oasis:names:tc:emergency:cap:1.2", b"urn:example:other"),
            RefusalReason.SCHEMA,
        ),
        (cap_xml(polygon=None, circle="51.51,-0.09"), RefusalReason.BAD_AREA),
    ],
    ids=["malformed", "not-xml", "bad-status", "missing-scope", "other-namespace", "bad-circle"],
)
def test_what_is_not_valid_cap_is_refused_with_its_reason_kept(push, wards, body, reason):
    response = push(body)
    assert response.status_code == 400, response.json()
    assert response.json()["extra"]["reason"] == reason
    refusal = RefusedAlert.objects.get()
    assert (refusal.reason, refusal.origin_name) == (reason, "ea-push")
    assert refusal.detail and refusal.body == body.decode(errors="replace")
    assert CapAlert.objects.count() == 0 and Alarm.objects.count() == 0


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol4;</identifier></alert>"""


@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_and_dtds_are_refused_unexpanded(push, wards, body):
    response = push(body)
    assert response.status_code == 400
    assert response.json()["extra"]["reason"] == RefusalReason.FORBIDDEN_XML
    refusal = RefusedAlert.objects.get()
    assert refusal.reason == RefusalReason.FORBIDDEN_XML
    assert "root:" not in refusal.detail and "lollollol" not in refusal.detail


def test_a_message_over_the_size_limit_is_refused(push, wards, settings):
    settings.CAP_MAX_BYTES = 1000
    response = push(cap_xml(headline="x" * 2000))
    assert (
        response.status_code == 400
        and response.json()["extra"]["reason"] == RefusalReason.TOO_LARGE
    )


def test_an_update_replaces_the_alert_and_its_alarm_follows(push, wards):
    first = cap_xml("EA-1", severity="Moderate", urgency="Expected")
    push(first)
    alarm = Alarm.objects.get()
    assert alarm.priority == 34
    # The update: Extreme now, and over Cheap only (south of Bassishaw).
    cheap_only = [(51.5140, -0.0940), (51.5140, -0.0915), (51.5155, -0.0915), (51.5155, -0.0940)]
    update = cap_xml(
        "EA-2", msg_type="Update", references=reference(first), severity="Extreme",
        polygon=cheap_only, headline="Severe flood warning",
    )  # fmt: skip
    assert push(update).status_code == 201
    alarm.refresh_from_db()
    assert Alarm.objects.count() == 1 and alarm.state == AlarmState.NEW
    assert alarm.priority == 1 and alarm.title == "Flood warning: Severe flood warning"
    assert [z.name for z in alarm.zones.all()] == ["Cheap"]
    old, new = CapAlert.objects.order_by("pk")
    assert (old.state, new.state) == (AlertState.SUPERSEDED, AlertState.ACTIVE)
    assert new.alarm_id == alarm.pk


def test_a_cancel_ends_the_alert_and_closes_its_alarm(push, wards):
    first = cap_xml("EA-1")
    push(first)
    cancel = cap_xml("EA-1-cancel", msg_type="Cancel", references=reference(first))
    assert push(cancel).status_code == 201
    alarm = Alarm.objects.get()
    assert alarm.state == AlarmState.CLOSED and alarm.resolution == "resolved"
    assert alarm.closed_by == "cap:ea-push"
    assert CapAlert.objects.get(identifier="EA-1").state == AlertState.CANCELLED


def test_an_expired_alert_closes_its_alarm_on_the_sweep(push, wards):
    soon = datetime.now(UTC) + timedelta(seconds=5)
    push(cap_xml(expires=soon))
    assert Alarm.objects.get().state == AlarmState.NEW
    assert alerts_expire(now=soon - timedelta(seconds=1)) == 0
    assert alerts_expire(now=soon + timedelta(seconds=1)) == 1
    assert Alarm.objects.get().state == AlarmState.CLOSED
    assert CapAlert.objects.get().state == AlertState.EXPIRED


def test_a_warning_elsewhere_raises_no_alarm(push, wards):
    assert push(cap_xml(polygon=ELSEWHERE)).status_code == 201
    assert CapAlert.objects.get().state == AlertState.OUTSIDE
    assert Alarm.objects.count() == 0


def test_a_test_message_is_kept_but_not_acted_on(push, wards):
    push(cap_xml(status="Test"))
    alert = CapAlert.objects.get()
    assert (alert.state, alert.state_reason) == (AlertState.NOT_ACTED, "status Test")
    assert Alarm.objects.count() == 0


def test_a_circle_and_a_geocode_meet_their_zones(push, wards):
    # A 100 m circle in Cheap (lat, lon radius-km).
    push(cap_xml("EA-c", polygon=None, circle="51.5145,-0.0930 0.1"))
    assert [z.name for z in CapAlert.objects.get().zones.all()] == ["Cheap"]
    ZoneGeocode.objects.create(value_name="EA_FWA", value="062FWF46Q", zone=wards["Queenhithe"])
    push(cap_xml("EA-g", polygon=None, geocode=("EA_FWA", "062FWF46Q")))
    alert = CapAlert.objects.get(identifier="EA-g")
    assert [z.name for z in alert.zones.all()] == ["Queenhithe"]
    assert alert.alarm.zones.get().name == "Queenhithe"


def test_a_sender_cannot_cancel_another_senders_alert(push, wards):
    first = cap_xml("EA-1")
    push(first)
    other = cap_xml(
        "X-1", msg_type="Cancel", references=reference(first), sender="someone@else.example"
    )
    assert push(other).status_code == 201
    assert Alarm.objects.get().state == AlarmState.NEW
    assert CapAlert.objects.get(identifier="EA-1").state == AlertState.ACTIVE
