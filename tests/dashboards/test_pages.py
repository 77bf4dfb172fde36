"""The pages: each role lands on its own page and sees only its navigation; the inventory
filters, sorts and pages on the server; the CSV import lists the bad rows; the export is CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityplatform.roles import Role
from devices.models import Asset
from tests.dashboards.city import build_city

pytestmark = pytest.mark.django_db

LANDING = {
    Role.SECURITY_OPERATOR: "/security/",
    Role.SECURITY_SUPERVISOR: "/security/",
    Role.LIGHTING_OPERATOR: "/lighting/",
    Role.ASSET_MANAGER: "/assets/",
    Role.VIEWER: "/overview/",
}


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role=None, **kwargs):
        user = make_user(role, **kwargs)
        client.force_login(user)
        return client

    return sign_in


def nav_labels(response) -> list[str]:
    return [item.label for item in response.context["navigation"]]


@pytest.mark.parametrize("role", list(LANDING), ids=lambda r: r.name.lower())
def test_home_sends_each_role_to_its_page(role, signed_in):
    client = signed_in(role)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == LANDING[role]
    assert client.get(response.url).status_code == 200


def test_an_account_without_a_role_is_told_so(signed_in):
    response = signed_in(None).get("/")
    assert response.status_code == 200
    assert b"no role yet" in response.content
    assert nav_labels(response) == []


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/assets/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/assets/")


@pytest.mark.parametrize(
    ("role", "refused"),
    [
        (Role.VIEWER, ["/security/", "/lighting/", "/assets/"]),
        (Role.SECURITY_OPERATOR, ["/lighting/", "/assets/"]),
        (Role.LIGHTING_OPERATOR, ["/security/", "/assets/"]),
        (Role.ASSET_MANAGER, ["/security/", "/lighting/"]),
    ],
    ids=lambda v: v.name.lower() if isinstance(v, Role) else "",
)
def test_pages_outside_the_role_are_refused(role, refused, signed_in):
    client = signed_in(role)
    for url in refused:
        assert client.get(url).status_code == 403, url


def test_the_administrator_sees_every_page(signed_in):
    client = signed_in(superuser=True)
    response = client.get("/security/")
    assert nav_labels(response) == [
        "Security console",
        "Emergency plans",
        "Lighting",
        "Assets",
        "Insights",
        "Overview",
        "Camera purposes",
        "API",
        "Audit log",
    ]
    for url in ("/lighting/", "/assets/", "/overview/"):
        assert client.get(url).status_code == 200


def test_overview_counts_assets_by_kind(signed_in):
    build_city(lights_per_zone=3)
    response = signed_in(Role.VIEWER).get("/overview/")
    kinds = {k["kind"]: k for k in response.context["counts"]["kinds"]}
    assert kinds["streetlight"]["total"] == 6
    assert kinds["camera"] == {**kinds["camera"], "total": 2, "online": 1, "offline": 1}


def test_map_data_has_zones_lights_with_levels_and_cameras(signed_in):
    city = build_city(lights_per_zone=2, level=40)
    data = signed_in(Role.VIEWER).get("/pages/map.json").json()
    assert {z["name"] for z in data["zones"]} == {"Cheapside", "Guildhall Yard"}
    assert data["zones"][0]["boundary"]["type"] == "Polygon"
    assert {light["id"]: light["level"] for light in data["lights"]} == {
        light.device_id: 40 for light in city.lights
    }
    assert {c["id"] for c in data["cameras"]} == {"CAM-0", "CAM-1"}
    one_zone = signed_in(Role.VIEWER).get(f"/pages/map.json?zones={city.zones[0].pk}").json()
    assert {light["zone"] for light in one_zone["lights"]} == {city.zones[0].pk}


def test_inventory_filters_searches_sorts_and_pages(signed_in):
    city = build_city(lights_per_zone=30)
    client = signed_in(Role.ASSET_MANAGER)

    page = client.get("/assets/").context["page"]
    assert page.paginator.count == 62 and len(page.object_list) == 50

    cameras = client.get("/assets/?kind=camera").context["page"]
    assert [a.device_id for a in cameras] == ["CAM-0", "CAM-1"]

    offline = client.get("/assets/?online=no").context["page"]
    assert [a.device_id for a in offline] == ["CAM-1"]

    in_zone = client.get(f"/assets/?zone={city.zones[1].pk}&kind=streetlight").context["page"]
    assert in_zone.paginator.count == 30

    found = client.get("/assets/?q=SL-1029").context["page"]
    assert [a.device_id for a in found] == ["SL-1029"]

    descending = client.get("/assets/?sort=-device_id").context["page"]
    assert descending.object_list[0].device_id == "SL-1029"

    second = client.get("/assets/?sort=device_id&page=2").context["page"]
    assert [a.device_id for a in second][-1] == "SL-1029"
    assert len(second.object_list) == 12


def test_inventory_ignores_bad_parameters_instead_of_failing(signed_in):
    build_city(lights_per_zone=1)
    response = signed_in(Role.ASSET_MANAGER).get(
        "/assets/?kind=dragon&zone=abc&sort=password&page=-4&online=maybe"
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 4


def test_inventory_query_count_does_not_grow_with_rows(signed_in, django_assert_max_num_queries):
    build_city(lights_per_zone=30)
    client = signed_in(Role.ASSET_MANAGER)
    with django_assert_max_num_queries(12):
        client.get("/assets/")


def test_asset_page_shows_details_state_and_faults(signed_in):
    city = build_city(lights_per_zone=1, level=55)
    response = signed_in(Role.ASSET_MANAGER).get(f"/assets/{city.lights[0].device_id}/")
    assert response.status_code == 200
    assert b"Cheapside" in response.content
    assert b'id="level">55 %' in response.content
    assert signed_in(Role.ASSET_MANAGER).get("/assets/NOPE/").status_code == 404


CSV_GOOD = "device_id,kind,latitude,longitude,name\nSL-NEW-1,streetlight,51.5145,-0.0935,New one\n"
CSV_BAD = (
    "device_id,kind,latitude,longitude,name\n"
    "SL-NEW-1,streetlight,51.5145,-0.0935,Fine\n"
    "SL-NEW-2,streetlight,95,-0.0935,Too far north\n"
    "SL-NEW-3,lamp,51.5146,-0.0936,Unknown kind\n"
)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Uploads a CSV on the import page; its job runs (the task, in-process) after the commit,
    and the job's page is returned (or the form's, when the upload is refused)."""
    from cityplatform.celery import app as celery_app

    def send(client, text: str, mode: str = "all"):
        file = SimpleUploadedFile("assets.csv", text.encode(), content_type="text/csv")
        eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post("/assets/import/", {"file": file, "mode": mode})
        finally:
            celery_app.conf.task_always_eager = eager
        if response.status_code != 302:
            return response
        assert response.url.startswith("/assets/import/")
        return client.get(response.url)

    return send


def test_csv_import_lists_bad_rows_and_writes_nothing(signed_in, upload):
    client = signed_in(Role.ASSET_MANAGER)
    response = upload(client, CSV_BAD)
    report = response.context["report"]
    assert report["invalid_rows"] == 2 and not report["written"]
    assert [e["line"] for e in report["errors"]] == [3, 4]
    assert b'data-line="3"' in response.content and b'data-line="4"' in response.content
    assert b"Finished: 3 rows read." in response.content
    assert not Asset.objects.filter(device_id__startswith="SL-NEW").exists()


def test_csv_import_of_valid_rows_only(signed_in, upload):
    response = upload(signed_in(Role.ASSET_MANAGER), CSV_BAD, mode="valid_only")
    assert response.context["report"]["created"] == 1
    assert list(
        Asset.objects.filter(device_id__startswith="SL-NEW").values_list("device_id", flat=True)
    ) == ["SL-NEW-1"]


def test_csv_import_of_an_unreadable_file_says_why(signed_in, upload):
    response = upload(signed_in(Role.ASSET_MANAGER), "nothing,useful\n1,2\n")
    assert "missing columns" in response.context["file_error"]


def test_csv_import_is_refused_to_a_role_without_the_permission(signed_in, make_user, upload):
    client = signed_in(superuser=False, role=Role.ASSET_MANAGER)
    assert upload(client, CSV_GOOD).status_code == 200
    viewer = signed_in(Role.VIEWER)
    assert upload(viewer, CSV_GOOD).status_code == 403


def test_export_is_the_import_format_with_the_table_filters(signed_in):
    build_city(lights_per_zone=2)
    response = signed_in(Role.ASSET_MANAGER).get("/assets/export.csv?kind=camera")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["device_id", "kind", "name", "latitude"]
    assert [r[0] for r in rows[1:]] == ["CAM-0", "CAM-1"]


def test_lighting_page_shows_zone_levels_active_overrides_and_commands(signed_in):
    from datetime import timedelta

    from django.utils import timezone

    from lighting.services.overrides import OverrideScope, override_create

    city = build_city(lights_per_zone=3, level=40)
    override_create(
        scope=OverrideScope(zone_id=city.zones[0].pk),
        level=90,
        operation="max",
        priority=8,
        expires_at=timezone.now() + timedelta(minutes=30),
        reason="Street market",
        actor="tests",
    )
    response = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/")
    zones = {z["name"]: z for z in response.context["zones"]}
    assert zones["Cheapside"]["lights"] == 3 and zones["Cheapside"]["level"] == 40
    assert [o.reason for o in response.context["overrides"]] == ["Street market"]
    assert len(response.context["commands"]) == 3  # the zone's lights were commanded to 90 %
    assert b"Street market" in response.content


def test_rejected_messages_page_lists_them_with_their_reason(signed_in):
    from django.utils import timezone

    from devices.models import RejectedMessage

    RejectedMessage.objects.create(
        received_at=timezone.now(),
        topic="city/v1/SL-X/telemetry",
        device_id="SL-X",
        payload="{not json",
        reason_code="invalid_json",
        reason="Expecting property name",
    )
    response = signed_in(Role.ASSET_MANAGER).get("/assets/rejected/?reason=invalid_json")
    assert response.status_code == 200
    assert b"city/v1/SL-X/telemetry" in response.content and b"Not valid JSON" in response.content
    assert signed_in(Role.VIEWER).get("/assets/rejected/").status_code == 403
