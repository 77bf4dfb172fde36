"""CAP 1.2 out: supervisors publish what, where and what to do; the Atom feed and each message
are public and valid CAP 1.2 (checked against the vendored OASIS schema); an update and a
cancel are messages of their own that reference the one they replace."""

import hashlib
from datetime import UTC, datetime, timedelta

import defusedxml.ElementTree as ET
import pytest
from rest_framework.test import APIClient

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from emergency.cap.parse import CAP_NS, SCHEMA_PATH, cap_schema
from emergency.models import PublishedAlert

pytestmark = pytest.mark.django_db

NS = {"cap": CAP_NS, "atom": "http://www.w3.org/2005/Atom"}
URL = "/api/v1/emergency/published/"


@pytest.fixture
def supervisor(make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.SECURITY_SUPERVISOR))
    return client


def publish(client, wards, **more):
    body = {
        "event": "Flood",
        "headline": "Flooding on the riverside: keep away",
        "instruction": "Avoid Queenhithe and Castle Baynard; use the high walk.",
        "zones": [wards["Queenhithe"].pk, wards["Castle Baynard"].pk],
        **more,
    }
    return client.post(URL, body, format="json")


def document(pk: int):
    response = APIClient().get(f"/cap/alerts/{pk}.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    root = ET.fromstring(response.content)
    cap_schema().validate(root)  # raises on any departure from CAP 1.2
    return root


def test_the_vendored_schema_is_the_one_recorded():
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    readme = (SCHEMA_PATH.parent / "README.md").read_text()
    assert digest in readme
    assert "Copyright OASIS Open 2010" in SCHEMA_PATH.read_text()


def test_a_published_alert_is_valid_cap_with_its_zones_as_polygons(supervisor, wards, settings):
    settings.CAP_SENDER = "alerts@city.example"
    response = publish(supervisor, wards)
    assert response.status_code == 201, response.json()
    root = document(response.json()["id"])
    assert root.findtext("cap:sender", namespaces=NS) == "alerts@city.example"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    info = root.find("cap:info", NS)
    assert info.findtext("cap:instruction", namespaces=NS).startswith("Avoid Queenhithe")
    areas = info.findall("cap:area", NS)
    assert sorted(a.findtext("cap:areaDesc", namespaces=NS) for a in areas) == [
        "Castle Baynard",
        "Queenhithe",
    ]
    polygon = areas[0].findtext("cap:polygon", namespaces=NS).split()
    assert polygon[0] == polygon[-1] and len(polygon) >= 4
    lat, lon = (float(v) for v in polygon[0].split(","))
    assert 51.5 < lat < 51.53 and -0.12 < lon < -0.07  # lat,lon order, as CAP says
    assert AuditEntry.objects.filter(action="emergency.alert_published").count() == 1


def test_an_update_and_a_cancel_reference_what_they_replace(supervisor, wards):
    first = publish(supervisor, wards).json()
    update = supervisor.post(
        f"{URL}{first['id']}/update/", {"severity": "Extreme", "zones": [wards["Cheap"].pk]},
        format="json",
    )  # fmt: skip
    assert update.status_code == 201, update.json()
    root = document(update.json()["id"])
    assert root.findtext("cap:msgType", namespaces=NS) == "Update"
    references = root.findtext("cap:references", namespaces=NS)
    assert references.split(",")[1] == first["identifier"]
    info = root.find("cap:info", NS)
    assert info.findtext("cap:severity", namespaces=NS) == "Extreme"
    assert [a.findtext("cap:areaDesc", namespaces=NS) for a in info.findall("cap:area", NS)] == [
        "Cheap"
    ]
    # The first message is replaced: only the current one may be changed.
    stale = supervisor.post(f"{URL}{first['id']}/cancel/", {}, format="json")
    assert stale.status_code == 409
    cancel = supervisor.post(f"{URL}{update.json()['id']}/cancel/", {"note": "Water gone"})
    assert cancel.status_code == 201
    root = document(cancel.json()["id"])
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert len(root.findtext("cap:references", namespaces=NS).split()) == 2  # the whole chain
    assert root.find("cap:info/cap:responseType", NS).text == "AllClear"


def test_the_atom_feed_lists_the_current_message_of_each_alert(supervisor, wards):
    first = publish(supervisor, wards).json()
    supervisor.post(f"{URL}{first['id']}/update/", {"headline": "Worse"}, format="json")
    other = publish(supervisor, wards, headline="Gas leak", event="Gas").json()
    response = APIClient().get("/cap/alerts.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = sorted(e.findtext("atom:title", namespaces=NS) for e in feed.findall("atom:entry", NS))
    assert titles == ["Alert: Gas leak", "Update: Worse"]
    links = [e.find("atom:link", NS).get("href") for e in feed.findall("atom:entry", NS)]
    assert f"http://testserver/cap/alerts/{other['id']}.xml" in links
    for href in links:
        document(int(href.rsplit("/", 1)[1].removesuffix(".xml")))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.SECURITY_SUPERVISOR, 201),
        (Role.SECURITY_OPERATOR, 403),
        (Role.VIEWER, 403),
        (None, 401),
    ],
)
def test_only_supervisors_publish(make_user, wards, role, expected):
    client = APIClient()
    if role is not None:
        client.force_authenticate(make_user(role))
    assert publish(client, wards).status_code == expected
    assert PublishedAlert.objects.count() == (1 if expected == 201 else 0)


def test_publishing_needs_known_zones(supervisor, wards):
    response = publish(supervisor, wards, zones=[999_999])
    assert response.status_code == 400
    assert "zones" in response.json()["extra"]["fields"]
    assert APIClient().get("/cap/alerts/999999.xml").status_code == 404


def test_an_alert_that_would_have_ended_already_is_refused_in_words(supervisor, wards):
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    response = publish(supervisor, wards, expires=past)
    assert response.status_code == 400
    assert "would have ended already" in response.json()["extra"]["fields"]["expires"][0]
    assert PublishedAlert.objects.count() == 0

    first = publish(supervisor, wards, expires=(datetime.now(UTC) + timedelta(hours=2)).isoformat())
    assert first.status_code == 201, first.json()
    update = supervisor.post(f"{URL}{first.json()['id']}/update/", {"expires": past}, format="json")
    assert update.status_code == 400
    assert "would have ended already" in update.json()["message"]
    assert PublishedAlert.objects.count() == 1  # no Update published
