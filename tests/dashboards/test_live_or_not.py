"""Issue #19, item 2: every page that shows state either follows it live (the live badge) or
says it does not ("Not live — reload for the latest"); the lighting page's live parts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cityplatform.roles import Role
from devices.models import AssetImportJob
from lighting.services.overrides import OverrideScope, override_create
from tests.dashboards.city import build_city

pytestmark = pytest.mark.django_db

LIVE = 'id="live-status"'
NOT_LIVE = "Not live — <a"


def _pages(light) -> dict[str, str]:
    device = light.device_id
    return {
        "overview": reverse("page-overview"),
        "security": reverse("page-security"),
        "lighting": reverse("page-lighting"),
        "programmes": reverse("page-lighting-programmes"),
        "calendars": reverse("page-lighting-calendars"),
        "energy": reverse("page-lighting-energy"),
        "assets": reverse("page-assets"),
        "rejected": reverse("page-rejected"),
        "asset": reverse("page-asset", args=[device]),
        "asset-edit": reverse("page-asset-edit", args=[device]),
        "insights": reverse("page-insights"),
        "import": reverse("page-asset-import"),  # with the user's latest imports
    }


LIVE_PAGES = {"overview", "security", "lighting", "asset"}


def test_every_page_showing_state_is_live_or_says_it_is_not(client, make_user):
    city = build_city(lights_per_zone=1)
    admin = make_user(superuser=True)
    AssetImportJob.objects.create(filename="lamps.csv", created_by=admin, state="done")
    client.force_login(admin)
    for name, url in _pages(city.lights[0]).items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        if name in LIVE_PAGES:
            assert LIVE in html and NOT_LIVE not in html, name
        else:
            assert NOT_LIVE in html and LIVE not in html, name
    # A live page whose sections are not all live says which ones are not.
    assert "data-not-live" in client.get(reverse("page-overview")).content.decode()
    asset = client.get(reverse("page-asset", args=[city.lights[0].device_id])).content.decode()
    assert asset.count("data-not-live") == 3  # telemetry, faults, maintenance


def test_the_lighting_page_live_parts_as_they_are_now(client, make_user):
    city = build_city(lights_per_zone=2, level=35)
    url = reverse("page-lighting-state")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(make_user(Role.VIEWER))
    assert client.get(url).status_code == 403  # as the lighting page itself
    client.force_login(make_user(Role.LIGHTING_OPERATOR))
    empty = client.get(url).content.decode()
    assert "No active override" in empty
    override_create(
        scope=OverrideScope(zone_id=city.zones[0].pk),
        level=90,
        operation="max",
        priority=8,
        expires_at=timezone.now() + timedelta(minutes=30),
        reason="Street market",
        actor="tests",
    )
    html = client.get(url).content.decode()
    assert "Street market" in html and 'id="override-panel"' in html
    assert f'data-zone="{city.zones[0].pk}"' in html and "90 %" in html
