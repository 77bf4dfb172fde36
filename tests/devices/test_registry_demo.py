"""The demo City of London: realistic, deterministic and idempotent."""

import io

import pytest
from django.core.management import call_command

from devices.choices import AssetKind
from devices.demo_data import seed_if_empty
from devices.models import Asset, CameraLight, StreetlightDetails, Zone

pytestmark = pytest.mark.django_db


def test_the_demo_city_is_laid_out_and_a_second_run_changes_nothing():
    out = io.StringIO()
    call_command("seed_demo_city", stdout=out)
    assert "assets created" in out.getvalue()
    lights = Asset.objects.filter(kind=AssetKind.STREETLIGHT)
    assert 900 <= lights.count() <= 1100
    assert 35 <= Asset.objects.filter(kind=AssetKind.CAMERA).count() <= 45
    assert set(Asset.objects.filter(kind="sensor").values_list("sensor__measures", flat=True)) == {
        "lux",
        "footfall",
        "flood_level",
        "rainfall",
    }
    # three flood gauges on the river frontage, in the riverside wards, and a rain gauge
    gauges = Asset.objects.filter(sensor__measures="flood_level").order_by("device_id")
    assert list(gauges.values_list("device_id", "zone__name")) == [
        ("FG-001", "Farringdon Without"),
        ("FG-002", "Queenhithe"),
        ("FG-003", "Bridge"),
    ]
    assert Asset.objects.get(device_id="RG-001").sensor.unit == "mm/h"
    # a few junction cameras also publish ONVIF Profile M under the default ONVIF_TOPIC
    sources = (
        Asset.objects.filter(kind="camera")
        .exclude(camera__onvif_source="")
        .values_list("camera__onvif_source", flat=True)
    )
    assert sorted(sources) == [f"onvif/vms1/VideoSource_{i}" for i in range(1, 5)]
    # every asset sits in the city, lights on their street zones
    assert not Asset.objects.filter(zone=None).exists()
    assert lights.filter(zone__kind="street").count() >= 0.95 * lights.count()
    assert Zone.objects.get(name="Cheapside").parent.kind == "ward"
    # two OPC-UA controllers drive about a hundred lights each; the rest are MQTT
    controllers = Asset.objects.filter(kind=AssetKind.CONTROLLER).order_by("device_id")
    assert [c.controller.endpoint_url for c in controllers] == [
        "opc.tcp://127.0.0.1:4841/city/",
        "opc.tcp://127.0.0.1:4842/city/",
    ]
    for controller in controllers:
        assert 90 <= controller.controlled_lights.filter(protocol="opcua").count() <= 110
    assert StreetlightDetails.objects.filter(protocol="mqtt", controller=None).count() > 600
    # welfare cameras on the bridges may raise vulnerable_person; junction cameras may not
    welfare = Asset.objects.filter(kind="camera", zone__kind="high_risk_site")
    assert welfare.count() >= 2
    assert all("vulnerable_person" in c.camera.analytics_allowlist for c in welfare)
    assert (
        not Asset.objects.filter(
            kind="camera", camera__analytics_allowlist__contains=["vulnerable_person"]
        )
        .exclude(zone__kind="high_risk_site")
        .exists()
    )
    assert CameraLight.objects.count() > 100

    snapshot = list(Asset.objects.order_by("pk").values_list("pk", "updated_at"))
    zones = list(Zone.objects.order_by("pk").values_list("pk", "updated_at"))
    call_command("seed_demo_city", stdout=io.StringIO())
    assert list(Asset.objects.order_by("pk").values_list("pk", "updated_at")) == snapshot
    assert list(Zone.objects.order_by("pk").values_list("pk", "updated_at")) == zones


def test_the_demo_preparation_leaves_a_registry_with_assets_alone():
    Asset.objects.create(device_id="MINE", kind="sensor", latitude=51.5, longitude=-0.1)
    seed_if_empty(stdout=io.StringIO())
    assert Asset.objects.count() == 1 and not Zone.objects.exists()
