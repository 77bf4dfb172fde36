"""The history charts' API: /api/v1/assets/<id>/telemetry/history/ answers range=24h|7d|30d or
from/to at the resolution the range calls for, and refuses a bad range with a 400 in words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.models import Telemetry
from devices.services.rollup import telemetry_rollup
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets/SL-H1/telemetry/history/"


@pytest.fixture
def light():
    asset = make_light("SL-H1")
    now = timezone.now()
    Telemetry.objects.bulk_create(
        Telemetry(asset=asset, ts=now - timedelta(minutes=30 * i), level=i % 100, power_w=20.0)
        for i in range(1, 10 * 48)  # ten days, two samples an hour
    )
    telemetry_rollup()
    return asset


def test_each_range_at_its_resolution(light, make_user, api_client):
    client = api_client(make_user(Role.VIEWER))
    day = client.get(URL, {"range": "24h"}).json()
    assert day["resolution"] == "raw" and day["range"] == "24h"
    assert 47 <= day["samples"] <= 48 and len(day["points"]) == day["samples"]
    week = client.get(URL, {"range": "7d"}).json()
    assert week["resolution"] == "hour" and 7 * 24 - 1 <= len(week["points"]) <= 7 * 24 + 1
    assert week["points"][0]["power_w"] == pytest.approx(20.0)
    month = client.get(URL, {"range": "30d"}).json()
    assert month["resolution"] == "hour" and month["samples"] == 10 * 48 - 1

    start = (timezone.now() - timedelta(days=200)).isoformat()
    year = client.get(URL, {"from": start}).json()
    assert year["resolution"] == "day" and year["range"] == "custom"
    assert year["samples"] == 10 * 48 - 1

    long_ago = timezone.now() - timedelta(days=300)
    empty = client.get(
        URL, {"from": long_ago.isoformat(), "to": (long_ago + timedelta(days=7)).isoformat()}
    ).json()
    assert empty["samples"] == 0 and empty["points"] == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"range": "1y"}, "The range must be 24h, 7d or 30d"),
        ({}, "Give a range (24h, 7d or 30d) or a from instant."),
        ({"range": "7d", "from": "2026-11-01T00:00:00Z"}, "either a range or from and to"),
        ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "end is before the"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "end is before the"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "longer than 366 days"),
        ({"from": "yesterday"}, "from:"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-13-01"}, "to:"),
    ],
)
def test_a_bad_range_is_a_400_in_words(light, make_user, api_client, query, words):
    response = api_client(make_user(Role.VIEWER)).get(URL, query)
    assert response.status_code == 400
    assert words in response.json()["message"]


def test_an_unknown_asset_is_a_404_and_anonymous_is_refused(light, make_user, api_client):
    client = api_client(make_user(Role.VIEWER))
    assert client.get("/api/v1/assets/SL-NOPE/telemetry/history/?range=7d").status_code == 404
    assert api_client().get(URL, {"range": "7d"}).status_code in {401, 403}
