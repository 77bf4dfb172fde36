"""Zone assignment, camera ↔ light proximity, decommission and delete, level-at-instant reads
and telemetry retention."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from cityplatform.api import ApplicationError
from cityplatform.models import AuditEntry
from devices.choices import FaultType, LifecycleStatus
from devices.models import Asset, CameraLight, LevelChange, Telemetry
from devices.selectors.levels import level_at, levels_at
from devices.selectors.registry import camera_lights
from devices.services.faults import fault_raise
from devices.services.history import telemetry_purge
from devices.services.proximity import camera_light_link, proximity_sync
from devices.services.registry import (
    asset_decommission,
    asset_delete,
    asset_update,
    maintenance_open,
    maintenance_update,
    zone_delete,
    zone_update,
)
from tests.devices.registry_factories import (
    make_camera,
    make_light,
    make_zone,
    metres_north,
    square,
)

pytestmark = pytest.mark.django_db

LAT, LON = 51.5150, -0.0920


def test_an_asset_lands_in_the_smallest_zone_containing_it():
    ward = make_zone("Cheap", LON, LAT, 0.005, kind="ward")
    street = make_zone("Cheapside", LON, LAT, 0.0005, kind="street", parent=ward)
    on_street = make_light("SL-1", LAT, LON)
    in_ward = make_light("SL-2", LAT + 0.003, LON)
    outside = make_light("SL-3", LAT + 0.02, LON)
    assert on_street.zone == street
    assert in_ward.zone == ward
    assert outside.zone is None


def test_moving_an_asset_moves_it_to_its_new_zone_and_audits_the_change():
    ward = make_zone("Cheap", LON, LAT, 0.005)
    light = make_light("SL-1", LAT + 0.02, LON)
    assert light.zone is None
    light = asset_update(asset=light, actor="anna", data={"latitude": LAT})
    assert light.zone == ward
    entry = AuditEntry.objects.filter(action="asset.updated", target_id=str(light.pk)).get()
    assert entry.details["changes"]["latitude"]["to"] == LAT


def test_changing_a_zone_boundary_reassigns_the_assets_it_gains_and_loses():
    ward = make_zone("Cheap", LON, LAT, 0.005)
    near = make_light("SL-1", LAT, LON)
    far = make_light("SL-2", LAT + 0.008, LON)
    assert (near.zone, far.zone) == (ward, None)
    zone_update(zone=ward, actor="test", data={"boundary": square(LON, LAT + 0.008, 0.001)})
    near.refresh_from_db()
    far.refresh_from_db()
    assert (near.zone, far.zone) == (None, ward)


def test_deleting_a_zone_hands_its_assets_to_the_next_containing_zone():
    ward = make_zone("Cheap", LON, LAT, 0.005)
    street = make_zone("Cheapside", LON, LAT, 0.0005, parent=ward)
    light = make_light("SL-1", LAT, LON)
    assert light.zone == street
    zone_delete(zone=street, actor="test")
    light.refresh_from_db()
    assert light.zone == ward


def test_a_camera_is_linked_to_the_lights_within_the_radius():
    camera = make_camera("CAM-1", LAT, LON)
    near = make_light("SL-NEAR", metres_north(LAT, 30), LON)
    make_light("SL-FAR", metres_north(LAT, 80), LON)
    assert list(camera_lights(camera_id=camera.pk)) == [near]
    link = CameraLight.objects.get(camera=camera, light=near)
    assert link.distance_m == pytest.approx(30, abs=0.5)


def test_moving_a_camera_updates_its_lights():
    camera = make_camera("CAM-1", LAT, LON)
    first = make_light("SL-1", metres_north(LAT, 20), LON)
    second = make_light("SL-2", metres_north(LAT, 200), LON)
    assert list(camera_lights(camera_id=camera.pk)) == [first]
    asset_update(asset=camera, actor="test", data={"latitude": metres_north(LAT, 190)})
    assert list(camera_lights(camera_id=camera.pk)) == [second]


def test_moving_a_light_updates_its_cameras():
    camera = make_camera("CAM-1", LAT, LON)
    light = make_light("SL-1", metres_north(LAT, 500), LON)
    assert not camera_lights(camera_id=camera.pk).exists()
    asset_update(asset=light, actor="test", data={"latitude": metres_north(LAT, 10)})
    assert list(camera_lights(camera_id=camera.pk)) == [light]


def test_a_manual_link_survives_recomputation_and_moves():
    camera = make_camera("CAM-1", LAT, LON)
    far = make_light("SL-FAR", metres_north(LAT, 300), LON)
    camera_light_link(camera=camera, light=far)
    proximity_sync()
    asset_update(asset=camera, actor="test", data={"latitude": metres_north(LAT, 5)})
    link = CameraLight.objects.get(camera=camera, light=far)
    assert link.manual and link.distance_m == pytest.approx(295, abs=1)


@override_settings(CAMERA_LIGHT_RADIUS_M=100)
def test_the_radius_comes_from_the_setting():
    camera = make_camera("CAM-1", LAT, LON)
    light = make_light("SL-1", metres_north(LAT, 80), LON)
    assert list(camera_lights(camera_id=camera.pk)) == [light]


def test_a_decommissioned_light_is_no_longer_linked():
    camera = make_camera("CAM-1", LAT, LON)
    light = make_light("SL-1", metres_north(LAT, 10), LON)
    asset_decommission(asset=light, actor="test", reason="removed")
    assert not camera_lights(camera_id=camera.pk).exists()
    assert AuditEntry.objects.filter(action="asset.decommissioned").count() == 1


def test_deleting_an_asset_with_history_is_refused_in_favour_of_decommission():
    light = make_light("SL-1", LAT, LON)
    fault_raise(asset=light, type=FaultType.LAMP_FAILURE)
    with pytest.raises(ApplicationError) as caught:
        asset_delete(asset=light, actor="admin")
    assert caught.value.status_code == 409
    assert "decommission" in caught.value.message
    assert Asset.objects.filter(pk=light.pk).exists()


def test_an_asset_without_history_can_be_deleted_and_the_deletion_is_audited():
    light = make_light("SL-1", LAT, LON)
    asset_delete(asset=light, actor="admin")
    assert not Asset.objects.exists()
    assert AuditEntry.objects.get(action="asset.deleted").details["device_id"] == "SL-1"


def _changes(light, *pairs):
    LevelChange.objects.bulk_create(
        LevelChange(asset=light, at=at, level=level, source="telemetry") for at, level in pairs
    )


def test_the_level_of_a_light_at_a_past_instant_is_the_last_change_before_it():
    light = make_light("SL-1", LAT, LON)
    t0 = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    _changes(light, (t0, 100), (t0 + timedelta(hours=6), 30))
    assert level_at(asset_id=light.pk, at=t0 - timedelta(seconds=1)) is None
    assert level_at(asset_id=light.pk, at=t0) == 100
    assert level_at(asset_id=light.pk, at=t0 + timedelta(hours=5)) == 100
    assert level_at(asset_id=light.pk, at=t0 + timedelta(hours=7)) == 30


def test_levels_of_many_lights_are_read_in_one_query(django_assert_num_queries):
    lights = [make_light(f"SL-{i}", LAT, LON + i * 0.001) for i in range(5)]
    t0 = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    for i, light in enumerate(lights[:4]):
        _changes(light, (t0, 100), (t0 + timedelta(hours=i + 1), 10 * i))
    at = t0 + timedelta(hours=2, minutes=30)
    with django_assert_num_queries(1):
        levels = levels_at(asset_ids=[light.pk for light in lights], at=at)
    assert levels == {
        lights[0].pk: 0,
        lights[1].pk: 10,
        lights[2].pk: 100,
        lights[3].pk: 100,
        lights[4].pk: None,
    }


def test_the_purge_removes_old_telemetry_and_keeps_the_level_at_the_cutoff_answerable():
    light = make_light("SL-1", LAT, LON)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    Telemetry.objects.bulk_create(
        Telemetry(asset=light, ts=now - timedelta(days=d), level=50) for d in (1, 10, 50, 60)
    )
    _changes(
        light,
        (now - timedelta(days=60), 80),
        (now - timedelta(days=50), 40),
        (now - timedelta(days=1), 20),
    )
    counts = telemetry_purge(days=30, now=now)
    assert counts == {"telemetry": 2, "level_changes": 1}
    assert Telemetry.objects.count() == 2
    assert level_at(asset_id=light.pk, at=now - timedelta(days=29)) == 40
    assert telemetry_purge(days=30, now=now) == {"telemetry": 0, "level_changes": 0}


def test_decommissioning_twice_changes_nothing_the_second_time():
    light = make_light("SL-1", LAT, LON)
    asset_decommission(asset=light, actor="test")
    asset_decommission(asset=light, actor="test")
    light.refresh_from_db()
    assert light.status == LifecycleStatus.DECOMMISSIONED
    assert AuditEntry.objects.filter(action="asset.decommissioned").count() == 1


def test_the_retention_and_proximity_tasks_run_and_are_idempotent(settings):
    from devices.tasks.registry import proximity_rebuild_task, telemetry_purge_task

    camera = make_camera("CAM-1", LAT, LON)
    make_light("SL-1", metres_north(LAT, 20), LON)
    CameraLight.objects.all().delete()
    assert proximity_rebuild_task.apply().get() == {"created": 1, "removed": 0, "updated": 0}
    assert proximity_rebuild_task.apply().get() == {"created": 0, "removed": 0, "updated": 0}
    assert camera_lights(camera_id=camera.pk).count() == 1
    settings.TELEMETRY_RETENTION_DAYS = 30
    assert telemetry_purge_task.apply().get() == {"telemetry": 0, "level_changes": 0}


def test_a_work_order_done_clears_its_fault_and_takes_no_fault_of_another_asset():
    make_zone("Cheapside", LON, LAT, 0.01)
    light, other = make_light("SL-W1", LAT, LON), make_light("SL-W2", LAT, LON + 0.001)
    fault, _ = fault_raise(asset=light, type=FaultType.LAMP_FAILURE)
    elsewhere, _ = fault_raise(asset=other, type=FaultType.LAMP_FAILURE)
    order = maintenance_open(actor="crew", asset=light, kind="lamp_change", fault=fault)

    with pytest.raises(ValidationError, match="another asset"):
        maintenance_update(record=order, actor="crew", data={"fault": elsewhere})
    maintenance_update(record=order, actor="crew", data={"assigned_to": "Crew 3"})
    fault.refresh_from_db()
    assert fault.cleared_at is None
    maintenance_update(record=order, actor="crew", data={"status": "done"})

    fault.refresh_from_db()
    assert fault.cleared_at is not None
    assert AuditEntry.objects.filter(action="fault.cleared", actor_label="crew").exists()
