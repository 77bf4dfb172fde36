"""Words for people (#19 item 8): one time format in the site's time zone, saying which; zones
that share a name told apart by their parent; a controller with working lamps not "Never seen"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from cityplatform import timefmt
from cityplatform.roles import Role
from devices.choices import AssetKind, ControlProtocol
from devices.models import Asset, AssetState, ControllerDetails, StreetlightDetails, Zone


def test_one_time_format_in_the_site_zone_saying_which():
    winter = datetime(2026, 12, 3, 17, 5, 42, 123456, tzinfo=UTC)
    summer = datetime(2026, 7, 20, 23, 30, tzinfo=UTC)
    assert timefmt.when(winter, "Europe/London") == "03 Dec 2026, 17:05 GMT"
    assert timefmt.when(summer, "Europe/London") == "21 Jul 2026, 00:30 BST"
    assert timefmt.clock(summer, "Europe/London") == "00:30 BST"
    assert timefmt.when(None, "Europe/London") == ""


def test_the_template_filters_write_the_site_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    page = Template("{% load city_time %}{{ at|when }} · {{ at|clock }} · {{ none|when }}.")
    at = datetime(2026, 7, 20, 23, 30, 5, 999, tzinfo=UTC)
    assert page.render(Context({"at": at, "none": None})) == (
        "21 Jul 2026, 00:30 BST · 00:30 BST · ."
    )


@pytest.mark.django_db
def test_zones_that_share_a_name_are_told_apart_by_their_parent(client, make_user):
    west, east = Zone.objects.create(name="Westgate"), Zone.objects.create(name="Eastgate")
    Zone.objects.create(name="Castle", parent=west)
    Zone.objects.create(name="Castle", parent=east)
    client.force_login(make_user(Role.LIGHTING_OPERATOR))
    for url in ("/lighting/", "/lighting/programmes/", "/lighting/calendars/"):
        page = client.get(url).content.decode()
        assert "Castle (Westgate)" in page and "Castle (Eastgate)" in page, url
    assert "Westgate (" not in client.get("/lighting/").content.decode()  # a name of its own


@pytest.mark.django_db
def test_a_controller_is_seen_when_its_lamps_are(client, make_user):
    cabinet = Asset.objects.create(
        device_id="CTL-W1", kind=AssetKind.CONTROLLER, latitude=51.51, longitude=-0.09
    )
    ControllerDetails.objects.create(
        asset=cabinet, protocol=ControlProtocol.OPCUA, endpoint_url="opc.tcp://127.0.0.1:4841/"
    )
    seen = timezone.now() - timedelta(minutes=3)
    for n, online in enumerate((True, False)):
        lamp = Asset.objects.create(
            device_id=f"SL-W{n}", kind=AssetKind.STREETLIGHT, latitude=51.51, longitude=-0.09
        )
        StreetlightDetails.objects.create(asset=lamp, controller=cabinet)
        AssetState.objects.create(
            asset=lamp, online=online, last_seen_at=seen - timedelta(minutes=n)
        )
    client.force_login(make_user(Role.ASSET_MANAGER))
    detail = client.get("/assets/CTL-W1/").content.decode()
    assert "Never seen" not in detail and 'class="pill online">Online' in detail
    assert timefmt.when(seen, "Europe/London") in detail and "by its lamps" in detail
    row = client.get("/assets/?kind=controller").content.decode()
    assert "CTL-W1" in row and "Never seen" not in row.split("CTL-W1", 1)[1].split("</tr>")[0]
