"""The asset list's `online` filter follows the devices' connectivity whoever records it (the
gateway's telemetry upsert, status reports, silence detection, a deleted state), and the list's
rows read the same as each asset's detail page.

On PostgreSQL the filter reads the asset row's copy of its state (`online_copy`), kept in step
by triggers (devices migration 0005); these tests are what guards the triggers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import Asset, AssetState
from devices.protocols.messages import Telemetry as Sample
from devices.services.ingest import IngestBatch, ingest_store
from devices.services.registry import asset_update
from devices.services.status import StatusChange, devices_mark_silent_offline, status_apply
from tests.devices.registry_factories import (
    make_camera,
    make_controller,
    make_light,
    make_sensor,
    make_zone,
)

pytestmark = pytest.mark.django_db

LAT, LON = 51.5150, -0.0920


@pytest.fixture
def lights():
    return [make_light(f"SL-{i}", LAT + i * 0.0001, LON) for i in range(3)]


def online(client, extra: str = "") -> list[str]:
    response = client.get(f"/api/v1/assets/?online=true{extra}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return [row["device_id"] for row in body["results"]]


def offline(client) -> list[str]:
    body = client.get("/api/v1/assets/?online=false").json()
    return [row["device_id"] for row in body["results"]]


def test_a_light_is_listed_online_after_its_first_telemetry(viewer_client, lights):
    # Given lights never heard from
    assert online(viewer_client) == []
    assert offline(viewer_client) == ["SL-0", "SL-1", "SL-2"]
    # When the gateway stores a sample from SL-1 (the bulk upsert path on PostgreSQL)
    sample = Sample("SL-1", timezone.now(), level=40.0)
    ingest_store(batch=IngestBatch(samples=[(lights[1].pk, sample)]))
    # Then the list shows it online, and the other two still offline
    assert online(viewer_client) == ["SL-1"]
    assert offline(viewer_client) == ["SL-0", "SL-2"]


def test_status_reports_and_silence_move_lights_between_the_filters(viewer_client, lights):
    now = timezone.now()
    status_apply(changes=[StatusChange(lights[0].pk, True), StatusChange(lights[2].pk, True)])
    assert online(viewer_client) == ["SL-0", "SL-2"]

    status_apply(changes=[StatusChange(lights[2].pk, False)])
    assert online(viewer_client) == ["SL-0"]

    devices_mark_silent_offline(now=now + timedelta(hours=2), silent_after=timedelta(minutes=5))
    assert online(viewer_client) == []
    assert offline(viewer_client) == ["SL-0", "SL-1", "SL-2"]


def test_the_filter_combines_with_kind_and_counts_exactly(viewer_client, lights):
    camera = make_camera("CAM-1", LAT, LON)
    AssetState.objects.bulk_create(
        [AssetState(asset=camera, online=True), AssetState(asset=lights[0], online=True)]
    )
    body = viewer_client.get("/api/v1/assets/?online=true&kind=streetlight&page_size=1").json()
    assert body["count"] == 1 and [r["device_id"] for r in body["results"]] == ["SL-0"]
    assert online(viewer_client, "&kind=camera&kind=sensor") == ["CAM-1"]


def test_a_deleted_state_reads_as_never_heard_from(viewer_client, lights):
    AssetState.objects.create(asset=lights[0], online=True)
    assert online(viewer_client) == ["SL-0"]
    AssetState.objects.filter(asset=lights[0]).delete()
    assert online(viewer_client) == []
    assert "SL-0" in offline(viewer_client)


def test_editing_an_asset_loaded_before_it_went_offline_keeps_it_offline(viewer_client, lights):
    # Given an asset manager's copy of SL-0, read while the light was online
    AssetState.objects.create(asset=lights[0], online=True)
    stale = Asset.objects.get(pk=lights[0].pk)
    # When the light goes offline, and then the manager saves the stale copy
    status_apply(changes=[StatusChange(lights[0].pk, False)])
    stale.save()  # every column, the stale copy of its connectivity too
    asset_update(asset=stale, actor="test", data={"name": "Renamed"})
    # Then the list still has it offline, under its new name
    assert online(viewer_client) == []
    body = viewer_client.get("/api/v1/assets/?online=false&search=Renamed").json()
    assert [r["device_id"] for r in body["results"]] == ["SL-0"]


def test_each_list_row_reads_as_the_assets_detail(viewer_client, lights):
    # Given one asset of each kind, with and without details and state
    zone = make_zone("Cheapside", LON, LAT, 0.01)
    controller = make_controller("CTL-1", LAT, LON)
    asset_update(
        asset=lights[0],
        actor="t",
        data={"installed_on": "2024-03-01", "attributes": {"pole": "steel"}},
        details={"controller": controller, "date_last_lamp_change": "2025-01-02"},
    )
    make_camera("CAM-1", LAT, LON, details={"analytics_allowlist": ["crowd"], "ptz": True})
    make_sensor("LUX-1", LAT, LON)
    ingest_store(
        batch=IngestBatch(samples=[(lights[0].pk, Sample("SL-0", timezone.now(), level=55.0))])
    )
    AssetState.objects.create(asset=lights[1], online=False, desired_level=100)
    # When the list and each detail page are read
    rows = viewer_client.get("/api/v1/assets/?page_size=100").json()["results"]
    # Then every row is exactly the detail page of its asset
    assert len(rows) == 6
    for row in rows:
        assert row == viewer_client.get(f"/api/v1/assets/{row['device_id']}/").json()
    by_id = {row["device_id"]: row for row in rows}
    light = by_id["SL-0"]
    assert light["zone_name"] == zone.name and light["installed_on"] == "2024-03-01"
    assert light["details"]["controller"] == "CTL-1"
    assert light["details"]["date_last_lamp_change"] == "2025-01-02"
    assert light["state"]["online"] is True and light["state"]["level"] == 55.0
    assert light["state"]["last_seen_at"].endswith(("Z", "+00:00", "+01:00"))
    assert by_id["SL-1"]["state"]["desired_level"] == 100
    assert by_id["SL-2"]["state"] == {"online": None}
    assert by_id["CAM-1"]["details"]["analytics_allowlist"] == ["crowd"]
    assert by_id["LUX-1"]["details"] == {"measures": "lux", "unit": "lx"}
    assert by_id["CTL-1"]["details"]["endpoint_url"] == "opc.tcp://cabinet:4840/"
