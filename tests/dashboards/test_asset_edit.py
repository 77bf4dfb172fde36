"""The asset pages edit (issue #19, item 3): an asset manager edits an asset, logs and moves on
work orders (done closes their fault), acknowledges and clears faults, decommissions, and
changes the status of a selection after a preview; every write is the registry's service (its
validation, its audit), and a role without the right gets no controls and a 403."""

import pytest
from django.contrib.auth.models import Permission

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.models import Asset, Fault, MaintenanceRecord
from devices.services.faults import fault_raise
from tests.dashboards.city import build_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return build_city(lights_per_zone=3)


@pytest.fixture
def manager(client, make_user):
    user = make_user(Role.ASSET_MANAGER)
    client.force_login(user)
    return client, user


def edit_body(asset, **changes) -> dict:
    body = {
        "name": asset.name,
        "status": asset.status,
        "latitude": asset.latitude,
        "longitude": asset.longitude,
        "manufacturer": "",
        "model": "",
        "serial": "",
        "firmware_version": "",
        "installed_on": "",
        "warranty_until": "",
        "lamp_technology": "LED",
        "rated_power_w": "60",
    }
    return body | changes


def test_an_asset_manager_edits_an_asset_from_its_page_with_the_apis_audit(city, manager):
    client, user = manager
    light = city.lights[0]
    page = client.get(f"/assets/{light.device_id}/")
    assert b'id="edit-asset"' in page.content and b"Log maintenance" in page.content

    response = client.post(
        f"/assets/{light.device_id}/edit/",
        edit_body(light, name="Cheapside 1 (new column)", serial="X-1", rated_power_w="36"),
    )

    assert response.status_code == 302
    light.refresh_from_db()
    assert (light.name, light.serial, light.streetlight.rated_power_w) == (
        "Cheapside 1 (new column)",
        "X-1",
        36,
    )
    entry = AuditEntry.objects.get(action="asset.updated", target_id=str(light.pk))
    assert entry.actor == user
    assert set(entry.details["changes"]) == {"name", "serial", "details.rated_power_w"}
    assert "saved" in client.get(response.url).content.decode()


def test_an_edit_the_service_refuses_is_shown_in_words_and_saves_nothing(city, manager):
    client, _ = manager
    light = city.lights[0]
    response = client.post(
        f"/assets/{light.device_id}/edit/",
        edit_body(light, installed_on="2025-06-01", warranty_until="2024-01-01", serial="Y"),
    )
    assert response.status_code == 200
    assert "The warranty cannot end before the installation." in response.content.decode()
    moved = client.post(f"/assets/{light.device_id}/edit/", edit_body(light, latitude="48.85"))
    assert "outside" in moved.content.decode().lower()
    light.refresh_from_db()
    assert light.serial == "" and light.latitude != 48.85
    assert not AuditEntry.objects.filter(action="asset.updated").exists()


def test_a_work_order_is_raised_assigned_and_done_closing_its_fault(city, manager):
    client, user = manager
    light = city.lights[1]
    fault, _ = fault_raise(asset=light, type="lamp_failure")

    client.post(
        f"/assets/{light.device_id}/maintenance/",
        {"kind": "lamp_change", "fault": fault.pk, "notes": "Lamp out", "assigned_to": ""},
    )
    order = MaintenanceRecord.objects.get(asset=light)
    assert (order.kind, order.status, order.fault_id, order.opened_by) == (
        "lamp_change",
        "open",
        fault.pk,
        user,
    )
    client.post(
        f"/assets/{light.device_id}/maintenance/{order.pk}/",
        {"assigned_to": "Crew 3", "status": "in_progress"},
    )
    order.refresh_from_db()
    assert (order.assigned_to, order.status) == ("Crew 3", "in_progress")
    assert Fault.objects.get(pk=fault.pk).cleared_at is None

    client.post(
        f"/assets/{light.device_id}/maintenance/{order.pk}/",
        {"assigned_to": "Crew 3", "status": "done"},
    )

    order.refresh_from_db()
    assert order.status == "done" and order.closed_at is not None
    assert Fault.objects.get(pk=fault.pk).cleared_at is not None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"maintenance.opened", "maintenance.updated", "fault.cleared"} <= actions
    page = client.get(f"/assets/{light.device_id}/").content.decode()
    assert "Crew 3" in page and "Lamp failure (cleared)" in page


def test_faults_are_acknowledged_then_cleared_from_the_page(city, manager):
    client, user = manager
    light = city.lights[2]
    fault, _ = fault_raise(asset=light, type="dimming_failure")
    base = f"/assets/{light.device_id}/faults/{fault.pk}"
    assert b"Acknowledge" in client.get(f"/assets/{light.device_id}/").content

    client.post(f"{base}/acknowledge/")
    fault.refresh_from_db()
    assert fault.acknowledged_by == user.username and fault.cleared_at is None
    client.post(f"{base}/clear/")

    fault.refresh_from_db()
    assert fault.cleared_at is not None
    assert AuditEntry.objects.filter(action="fault.acknowledged", actor=user).exists()
    assert AuditEntry.objects.filter(action="fault.cleared", actor_label=user.username).exists()


def test_decommission_needs_a_reason_and_is_audited(city, manager):
    client, _ = manager
    light = city.lights[0]
    client.post(f"/assets/{light.device_id}/decommission/", {"reason": ""})
    assert Asset.objects.get(pk=light.pk).status == "active"

    client.post(f"/assets/{light.device_id}/decommission/", {"reason": "Column knocked down"})

    assert Asset.objects.get(pk=light.pk).status == "decommissioned"
    entry = AuditEntry.objects.get(action="asset.decommissioned")
    assert entry.details["reason"] == "Column knocked down"


def test_a_bulk_status_change_is_previewed_then_confirmed(city, manager):
    client, _ = manager
    a, b, c = city.lights[:3]
    Asset.objects.filter(pk=c.pk).update(status="maintenance")
    picked = [a.device_id, b.device_id, c.device_id]
    assert b'id="bulk-form"' in client.get("/assets/").content

    preview = client.post("/assets/bulk/", {"device_id": picked, "status": "maintenance"})

    text = preview.content.decode()
    assert preview.status_code == 200
    assert "2 of 3 will change" in text and "Nothing is saved until you confirm" in text
    assert Asset.objects.filter(status="maintenance").count() == 1  # nothing written yet

    done = client.post(
        "/assets/bulk/", {"device_id": picked, "status": "maintenance", "confirm": "1"}
    )

    assert done.status_code == 302
    assert Asset.objects.filter(pk__in=[a.pk, b.pk, c.pk], status="maintenance").count() == 3
    assert AuditEntry.objects.filter(action="asset.updated").count() == 2


@pytest.mark.parametrize("role", [Role.VIEWER, Role.LIGHTING_OPERATOR, Role.SECURITY_OPERATOR])
def test_other_roles_get_a_403_on_a_forged_post(city, client, make_user, role):
    client.force_login(make_user(role))
    light = city.lights[0]
    fault, _ = fault_raise(asset=light, type="lamp_failure")
    posts = [
        (f"/assets/{light.device_id}/edit/", edit_body(light, name="forged")),
        (f"/assets/{light.device_id}/decommission/", {"reason": "forged"}),
        (f"/assets/{light.device_id}/maintenance/", {"kind": "repair"}),
        (f"/assets/{light.device_id}/faults/{fault.pk}/acknowledge/", {}),
        (f"/assets/{light.device_id}/faults/{fault.pk}/clear/", {}),
        ("/assets/bulk/", {"device_id": [light.device_id], "status": "faulty", "confirm": "1"}),
    ]
    for url, body in posts:
        assert client.post(url, body).status_code == 403, url
    light.refresh_from_db()
    assert (light.name, light.status) != ("forged", "decommissioned")
    assert light.status == "active"
    assert not MaintenanceRecord.objects.exists()
    assert Fault.objects.get(pk=fault.pk).cleared_at is None


def test_a_reader_of_the_asset_pages_sees_no_edit_controls(city, client, make_user):
    reader = make_user(Role.VIEWER)
    reader.user_permissions.add(Permission.objects.get(codename="view_asset_pages"))
    client.force_login(reader)
    light = city.lights[0]
    fault_raise(asset=light, type="lamp_failure")

    page = client.get(f"/assets/{light.device_id}/").content.decode()
    inventory = client.get("/assets/").content.decode()

    assert 'id="edit-asset"' not in page and "Log maintenance" not in page
    assert 'data-action="acknowledge"' not in page and "Decommission" not in page
    assert 'id="bulk-form"' not in inventory
    assert client.post(f"/assets/{light.device_id}/edit/", {}).status_code == 403


def test_a_cameras_purpose_and_privacy_review_are_edited_on_its_page(city, manager):
    client, _ = manager
    camera = city.cameras[0]
    body = edit_body(camera, purpose="Public safety at Guildhall Yard", review_due="2027-03-31")
    body |= {"frigate_camera": ""}
    for lamp_field in ("lamp_technology", "rated_power_w"):
        body.pop(lamp_field)
    form = client.get(f"/assets/{camera.device_id}/edit/").content.decode()
    assert 'name="purpose"' in form and 'name="rated_power_w"' not in form

    assert client.post(f"/assets/{camera.device_id}/edit/", body).status_code == 302

    camera.refresh_from_db()
    assert camera.camera.purpose == "Public safety at Guildhall Yard"
    assert str(camera.camera.review_due) == "2027-03-31"
