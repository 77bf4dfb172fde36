"""Fixtures of the emergency tests: the demo city's wards (their real boundaries), CAP 1.2
messages written as a sender would, and a signed push."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from cctv.services.sources import source_create
from devices.choices import ZoneKind
from devices.demo_data import CITY, WARDS
from devices.models import Zone

PUSH_URL = "/api/v1/emergency/cap/"
# A box over the south of Bassishaw and the north of Cheap (two demo wards), (lat, lon).
TWO_WARDS = [(51.5150, -0.0940), (51.5150, -0.0915), (51.5170, -0.0915), (51.5170, -0.0940)]
# Far from the city (Dover).
ELSEWHERE = [(51.12, 1.30), (51.12, 1.32), (51.14, 1.32), (51.14, 1.30)]


def ring(points):
    closed = [list(p) for p in points]
    if closed[0] != closed[-1]:
        closed.append(closed[0])
    return {"type": "Polygon", "coordinates": [closed]}


@pytest.fixture
def wards(db) -> dict[str, Zone]:
    city = Zone.objects.create(name="City of London", kind=ZoneKind.CITY, boundary=ring(CITY))
    zones = {"City of London": city}
    for name, points in WARDS.items():
        zones[name] = Zone.objects.create(
            name=name, kind=ZoneKind.WARD, parent=city, boundary=ring(points)
        )
    return zones


def cap_time(at: datetime) -> str:
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


def cap_xml(
    identifier: str = "EA-2026-001",
    *,
    msg_type: str = "Alert",
    status: str = "Actual",
    sender: str = "alerts@environment-agency.example",
    sent: datetime | None = None,
    references: str = "",
    polygon=TWO_WARDS,
    circle: str = "",
    geocode: tuple[str, str] | None = None,
    expires: datetime | None = None,
    severity: str = "Severe",
    urgency: str = "Immediate",
    certainty: str = "Observed",
    headline: str = "Flood warning for the riverside",
) -> bytes:
    sent = sent or datetime.now(UTC) - timedelta(minutes=1)
    expires = expires or datetime.now(UTC) + timedelta(hours=6)
    shapes = ""
    if polygon:
        closed = [*polygon, polygon[0]]
        shapes += f"<polygon>{' '.join(f'{lat},{lon}' for lat, lon in closed)}</polygon>"
    if circle:
        shapes += f"<circle>{circle}</circle>"
    if geocode:
        shapes += (
            f"<geocode><valueName>{geocode[0]}</valueName><value>{geocode[1]}</value></geocode>"
        )
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{cap_time(sent)}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <category>Met</category>
    <event>Flood warning</event>
    <urgency>{urgency}</urgency>
    <severity>{severity}</severity>
    <certainty>{certainty}</certainty>
    <expires>{cap_time(expires)}</expires>
    <headline>{headline}</headline>
    <instruction>Move to higher ground.</instruction>
    <area><areaDesc>Cheap and Bassishaw</areaDesc>{shapes}</area>
  </info>
</alert>""".encode()


def reference(body: bytes) -> str:
    """The `sender,identifier,sent` of a message written by cap_xml."""
    text = body.decode()

    def between(tag):
        return text.split(f"<{tag}>")[1].split(f"</{tag}>")[0]

    return f"{between('sender')},{between('identifier')},{between('sent')}"


@pytest.fixture
def push_source(db, settings):
    """An event source allowed to push CAP (CAP_PUSH_SOURCES), and its secret."""
    source, secret = source_create(name="ea-push", description="EA warnings", actor="test")
    settings.CAP_PUSH_SOURCES = ["ea-push"]
    return source, secret


def signed_headers(secret: str, body: bytes, source: str = "ea-push") -> dict[str, str]:
    timestamp = str(int(datetime.now(UTC).timestamp()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "HTTP_X_SOURCE": source,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": "sha256=" + digest.hexdigest(),
    }


@pytest.fixture
def push(push_source):
    """push(body) → the response to a validly signed push of these bytes."""
    _, secret = push_source

    def send(body: bytes, headers: dict | None = None):
        return APIClient().post(
            PUSH_URL,
            data=body,
            content_type="application/cap+xml",
            **(headers or signed_headers(secret, body)),
        )

    return send


# The emergency plans' city (lights under a steady programme, a flood plan): plans_city.py.
from tests.emergency.plans_city import flood_plan, lit_wards, make_light  # noqa: E402, F401
