"""The public camera register (Surveillance Camera Code, principle 3): its page, JSON and CSV,
without sign-in, list exactly the in-service cameras whose purpose a supervisor published;
unpublishing takes them off; every change to a purpose is audited; welfare-site cameras show
their public purpose and nothing else."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.test import Client

from cctv.models import CameraPurpose, Purpose
from cctv.services.register import camera_purpose_set, purpose_create, purpose_publish
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.choices import LifecycleStatus

pytestmark = pytest.mark.django_db

PUBLIC_TEXT = "Prevention and detection of crime in Cheapside"
JSON_URL, CSV_URL, PAGE_URL = (
    "/cameras/register.json",
    "/cameras/register.csv",
    "/cameras/register/",
)


def purpose_data(**overrides) -> dict:
    return {
        "name": "Cheapside crime prevention",
        "public_description": PUBLIC_TEXT,
        "operator": "City of London Corporation CCTV",
        "contact": "cctv@cityoflondon.example",
        "lawful_basis": "public_task",
        "last_reviewed": date(2026, 3, 1),
        "next_review": date(2027, 3, 1),
        **overrides,
    }


@pytest.fixture
def published(make_camera, make_user):
    """A published purpose with two cameras in service, a planned one and a decommissioned one,
    and an unpublished purpose with a camera of its own."""
    boss = make_user(Role.SECURITY_SUPERVISOR)
    purpose = purpose_create(data=purpose_data(), actor=boss)
    hidden = purpose_create(
        data=purpose_data(name="Depot", public_description="Depot security"), actor=boss
    )
    cameras = {
        name: make_camera(name, allowlist=[]) for name in ("CAM-A", "CAM-B", "CAM-P", "CAM-D")
    }
    cameras["CAM-H"] = make_camera("CAM-H")
    cameras["CAM-P"].status = LifecycleStatus.PLANNED
    cameras["CAM-D"].status = LifecycleStatus.DECOMMISSIONED
    for camera in cameras.values():
        camera.save()
    for name in ("CAM-A", "CAM-B", "CAM-P", "CAM-D"):
        camera_purpose_set(camera_id=cameras[name].pk, purpose=purpose, actor=boss)
    camera_purpose_set(camera_id=cameras["CAM-H"].pk, purpose=hidden, actor=boss)
    purpose_publish(purpose=purpose, published=True, actor=boss)
    return {"purpose": purpose, "hidden": hidden, "cameras": cameras, "boss": boss}


def refs(*cameras) -> set[str]:
    return {f"CAM-{c.pk:05d}" for c in cameras}


def test_json_csv_and_page_without_sign_in_list_exactly_the_published_cameras_in_service(
    published,
):
    cameras = published["cameras"]
    expected = refs(cameras["CAM-A"], cameras["CAM-B"])
    client = Client()

    body = client.get(JSON_URL)
    assert body.status_code == 200 and body["Cache-Control"] == "public, max-age=300"
    data = body.json()
    assert data["count"] == 2 and {c["reference"] for c in data["cameras"]} == expected
    first = data["cameras"][0]
    assert (
        first["purpose"] == PUBLIC_TEXT and first["operator"] == "City of London Corporation CCTV"
    )
    assert first["contact"] == "cctv@cityoflondon.example" and first["retention_days"] == 31
    assert first["last_reviewed"] == "2026-03-01" and first["video_analytics"] is False
    assert first["lawful_basis"].startswith("Public task")

    rows = list(csv.DictReader(io.StringIO(client.get(CSV_URL).content.decode())))
    assert {r["reference"] for r in rows} == expected
    assert rows[0]["purpose"] == PUBLIC_TEXT and rows[0]["latitude"] == "51.5138"

    page = client.get(PAGE_URL)
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "public, max-age=300"
    assert all(ref in html for ref in expected) and PUBLIC_TEXT in html
    assert 'id="register-data"' in html and "register_map.js" in html
    assert "Depot security" not in html and f"CAM-{cameras['CAM-H'].pk:05d}" not in html


def test_unpublishing_a_purpose_takes_its_cameras_off_the_register(published):
    client = Client()
    assert client.get(JSON_URL).json()["count"] == 2
    purpose_publish(purpose=published["purpose"], published=False, actor=published["boss"])
    data = client.get(JSON_URL).json()
    assert data["count"] == 0 and data["cameras"] == []
    assert len(client.get(CSV_URL).content.decode().strip().splitlines()) == 1  # the header
    assert 'id="register-empty"' in client.get(PAGE_URL).content.decode()


def test_every_change_to_the_register_is_audited(published):
    boss = published["boss"].get_username()
    entries = AuditEntry.objects.filter(target_type__in=["cctv.purpose", "devices.asset"])
    actions = sorted(entries.values_list("action", flat=True))
    assert actions == sorted(
        ["cctv.purpose_created"] * 2 + ["cctv.camera_purpose_set"] * 5 + ["cctv.purpose_published"]
    )
    assert set(entries.values_list("actor_label", flat=True)) == {boss}
    published_entry = entries.get(action="cctv.purpose_published")
    assert published_entry.target_id == str(published["purpose"].pk)
    assert published_entry.details["cameras"] == 4


def test_a_welfare_site_camera_is_listed_under_its_public_purpose_only(
    make_camera, high_risk_zone, make_user
):
    boss = make_user(Role.SECURITY_SUPERVISOR)
    purpose = purpose_create(
        data=purpose_data(
            name="Welfare early warning, Blackfriars Bridge",
            public_description="Public safety on the river crossings",
        ),
        actor=boss,
    )
    camera = make_camera("WELFARE-BF-1", zone=high_risk_zone)  # allowlist: vulnerable_person
    camera.name = "Blackfriars welfare watch"
    camera.save()
    camera_purpose_set(camera_id=camera.pk, purpose=purpose, actor=boss)
    purpose_publish(purpose=purpose, published=True, actor=boss)

    client = Client()
    bodies = [client.get(url).content.decode() for url in (JSON_URL, CSV_URL, PAGE_URL)]
    for body in bodies:
        lowered = body.lower()
        assert "public safety on the river crossings" in lowered
        for marker in ("welfare", "vulnerable", "early warning", "blackfriars", "welfare-bf"):
            assert marker not in lowered, marker
    (entry,) = client.get(JSON_URL).json()["cameras"]
    assert entry["name"] == "" and entry["reference"] == f"CAM-{camera.pk:05d}"


def test_a_published_description_that_names_welfare_is_refused(published, api_client):
    client = api_client(published["boss"])
    url = f"/api/v1/cctv/purposes/{published['purpose'].pk}/"
    answer = client.patch(url, {"public_description": "Welfare checks for vulnerable people"})
    assert answer.status_code == 400
    assert "welfare" in answer.json()["extra"]["fields"]["public_description"][0]
    assert Purpose.objects.get(pk=published["purpose"].pk).public_description == PUBLIC_TEXT


def test_supervisors_edit_and_publish_through_the_api_and_anonymous_cannot(
    published, api_client, make_user
):
    purpose = published["purpose"]
    anonymous, operator = api_client(), api_client(make_user(Role.SECURITY_OPERATOR))
    for client in (anonymous, operator):
        assert client.post(
            f"/api/v1/cctv/purposes/{purpose.pk}/publish/", {"published": False}
        ).status_code in (401, 403)
        assert client.patch(
            f"/api/v1/cctv/purposes/{purpose.pk}/", {"operator": "x"}
        ).status_code in (401, 403)
    assert anonymous.post("/api/v1/cctv/purposes/", purpose_data(name="New")).status_code in (
        401,
        403,
    )
    assert Purpose.objects.get(pk=purpose.pk).published is True

    boss = api_client(published["boss"])
    answer = boss.patch(f"/api/v1/cctv/purposes/{purpose.pk}/", {"retention_days": 14})
    assert answer.status_code == 200 and answer.json()["retention_effective"] == 14
    change = AuditEntry.objects.get(action="cctv.purpose_updated")
    assert change.details == {"retention_days": {"from": None, "to": 14}}
    assert (
        boss.patch(f"/api/v1/cctv/purposes/{purpose.pk}/", {"retention_days": 0}).status_code == 400
    )
    assert Client().get(JSON_URL).json()["cameras"][0]["retention_days"] == 14

    review = boss.post(f"/api/v1/cctv/purposes/{purpose.pk}/review/", {"next_review": "2020-01-01"})
    assert review.status_code == 400 and "next_review" in review.json()["extra"]["fields"]
    assert (
        boss.post(f"/api/v1/cctv/purposes/{purpose.pk}/publish/", {"published": False}).json()[
            "published"
        ]
        is False
    )
    assert Client().get(JSON_URL).json()["count"] == 0


def test_supervisors_publish_on_the_page_and_operators_cannot_open_it(published, make_user):
    purpose = published["purpose"]
    operator = Client()
    operator.force_login(make_user(Role.SECURITY_OPERATOR))
    assert operator.get("/cctv/purposes/").status_code == 403
    assert (
        operator.post(f"/cctv/purposes/{purpose.pk}/", {"action": "unpublish"}).status_code == 403
    )
    assert Client().get("/cctv/purposes/").status_code == 302  # to the sign-in page

    boss = Client()
    boss.force_login(published["boss"])
    assert boss.get(f"/cctv/purposes/{purpose.pk}/").status_code == 200
    answer = boss.post(f"/cctv/purposes/{purpose.pk}/", {"action": "unpublish"})
    assert answer.status_code == 302 and Client().get(JSON_URL).json()["count"] == 0
    assert AuditEntry.objects.filter(action="cctv.purpose_unpublished").count() == 1
    form = {
        **purpose_data(operator="City CCTV control room"),
        "action": "save",
        "retention_days": "",
    }
    assert boss.post(f"/cctv/purposes/{purpose.pk}/", form).status_code == 302
    change = AuditEntry.objects.get(action="cctv.purpose_updated")
    assert change.details == {
        "operator": {"from": "City of London Corporation CCTV", "to": "City CCTV control room"}
    }
    taken = boss.post(f"/cctv/purposes/{purpose.pk}/", {**form, "name": "Depot"})
    assert taken.status_code == 200 and "already exists" in taken.content.decode()
    bad = boss.post(f"/cctv/purposes/{purpose.pk}/", {"action": "link", "camera": "999999"})
    assert bad.status_code == 200 and "No such camera." in bad.content.decode()


def test_the_data_migration_makes_unpublished_purposes_from_the_cameras_texts(make_camera):
    a, b = make_camera("CAM-1"), make_camera("CAM-2")
    make_camera("CAM-3", purpose="Traffic monitoring")
    make_camera("CAM-4", purpose="")
    migration = __import__("cctv.migrations.0006_purpose_register", fromlist=["x"])
    migration.purposes_from_camera_texts(apps, None)
    assert sorted(Purpose.objects.values_list("name", "published")) == [
        ("Public safety on Cheapside", False),
        ("Traffic monitoring", False),
    ]
    linked = CameraPurpose.objects.filter(purpose__name="Public safety on Cheapside")
    assert set(linked.values_list("camera_id", flat=True)) == {a.pk, b.pk}
    assert CameraPurpose.objects.count() == 3
    assert Purpose.objects.get(name="Traffic monitoring").next_review == date.today() + timedelta(
        days=180
    )


def test_the_register_costs_the_same_few_queries_whatever_its_size(
    published, make_camera, django_assert_max_num_queries
):
    for n in range(20):
        camera = make_camera(f"CAM-X{n}")
        camera_purpose_set(camera_id=camera.pk, purpose=published["purpose"], actor="test")
    with django_assert_max_num_queries(3):
        assert Client().get(JSON_URL).json()["count"] == 22
