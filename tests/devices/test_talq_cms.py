"""The platform as a TALQ 2.7.1 CMS: a gateway announces itself, registers its devices and
sends log reports; every answer is checked against the vendored CMS API file
(tests/devices/talq_helpers.py)."""

import uuid

import pytest

from devices.choices import FaultType
from devices.models import Asset, AssetState, Fault, RejectedMessage, Telemetry
from tests.devices.talq_helpers import (
    GATEWAY_ADDRESS,
    Talq,
    attribute,
    event,
    lamp,
    make_talq_gateway,
)

pytestmark = pytest.mark.django_db

SERVICES = [
    {"name": "ConfigurationService"},
    {"name": "ControlService"},
    {"name": "DataCollectService", "events": [{"type": "lampFailure"}]},
]


@pytest.fixture
def gateway():
    return make_talq_gateway()


@pytest.fixture
def talq(gateway):
    return Talq()


def addresses(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def test_a_gateway_announces_its_services_and_is_online(talq, gateway):
    response = talq.post("services", SERVICES)
    assert response.status_code == 201
    gateway.refresh_from_db()
    assert [s["name"] for s in gateway.attributes["talq"]["services"]] == [
        "ConfigurationService",
        "ControlService",
        "DataCollectService",
    ]
    assert gateway.attributes["talq"]["address"] == GATEWAY_ADDRESS
    state = AssetState.objects.get(asset=gateway)
    assert state.online is True and state.last_seen_at is not None


def test_another_client_address_than_the_announced_one_is_refused(talq):
    assert talq.post("services", SERVICES).status_code == 201
    other = Talq(address=str(uuid.uuid4()))
    response = other.get("groups")
    assert response.status_code == 400
    assert response.json()[0]["key"] == "parameterValueNotValid"


def test_devices_become_assets_under_their_gateway(talq, gateway):
    first, second = addresses(2)
    response = talq.post("devices", [lamp(first, "Elm St 1", 51.501, -0.121), lamp(second)])
    assert response.status_code == 201
    assert {d["address"] for d in response.json()} == {first, second}
    light = Asset.objects.get(device_id=f"talq-{first}")
    assert light.kind == "streetlight" and light.name == "Elm St 1"
    assert (light.latitude, light.longitude) == (51.501, -0.121)
    assert light.serial == "SN-" + first[:8]
    assert light.streetlight.controller == gateway and light.streetlight.protocol == "talq"
    assert light.attributes["talq"]["address"] == first
    # Without a location of its own, a device stands where its gateway does.
    unplaced = Asset.objects.get(device_id=f"talq-{second}")
    assert (unplaced.latitude, unplaced.longitude) == (gateway.latitude, gateway.longitude)
    # Read back as the gateway wrote it.
    one = talq.get(f"devices/{first}")
    assert one.status_code == 200 and one.json() == lamp(first, "Elm St 1", 51.501, -0.121)
    assert talq.get(f"devices/{first}/mon").json() == {"id": "mon", "type": "LampMonitorFunction"}
    assert talq.get(f"devices/{first}/basic/serial").json()["value"] == "SN-" + first[:8]
    assert talq.get(f"devices/{first}/nope").status_code == 404
    listed = talq.get("devices", params={"limit": 1, "offset": 1})
    assert len(listed.json()) == 1 and listed["pagination-totalCount"] == "2"


def test_five_hundred_devices_in_one_request(talq):
    batch = [lamp(a, f"Lamp {i}") for i, a in enumerate(addresses(500))]
    response = talq.post("devices", batch)
    assert response.status_code == 201
    assert Asset.objects.filter(attributes__talq__gateway="talq-gw-north").count() == 500
    assert len(talq.get("devices").json()) == 500


def test_registering_a_known_device_again_is_a_conflict_and_changes_nothing(talq):
    known, new = addresses(2)
    talq.post("devices", [lamp(known)])
    response = talq.post("devices", [lamp(new), lamp(known)])
    assert response.status_code == 409
    error = response.json()[0]
    assert error["key"] == "resourceConflict" and known in error["description"]
    assert not Asset.objects.filter(device_id=f"talq-{new}").exists()


def test_replace_and_patch_update_the_asset(talq):
    (address,) = addresses(1)
    talq.post("devices", [lamp(address, "Old name")])
    replaced = talq.call("PUT", f"devices/{address}", lamp(address, "New name", 51.49, -0.13))
    assert replaced.status_code == 200 and replaced.json()["name"] == "New name"
    light = Asset.objects.get(device_id=f"talq-{address}")
    assert light.name == "New name" and light.latitude == 51.49
    patch = {
        "address": address,
        "name": "Patched",
        "class": "vendor-luminaire",
        "functions": [
            {
                "id": "mon",
                "type": "LampMonitorFunction",
                "operatingHours": {"type": "AttributeFloat", "value": 12.0},
            }
        ],
    }
    assert talq.call("PATCH", "devices", [patch]).status_code == 200
    device = talq.get(f"devices/{address}").json()
    assert device["name"] == "Patched"
    monitor = next(f for f in device["functions"] if f["id"] == "mon")
    assert monitor["operatingHours"]["value"] == 12.0
    assert {f["id"] for f in device["functions"]} == {"basic", "act", "mon", "loc"}
    unknown = talq.call("PUT", "devices", [lamp(str(uuid.uuid4()))])
    assert unknown.status_code == 404 and unknown.json()[0]["key"] == "resourceNotFound"


def test_log_reports_become_telemetry(talq):
    first, second = addresses(2)
    talq.post("devices", [lamp(first), lamp(second)])
    ts = "2026-12-07T18:00:00Z"
    report = {
        "address": "cms-values",
        "entries": [
            attribute(f"{first}/mon", "activePower", 42.5, ts),
            attribute(f"{first}/mon", "activeEnergy", 1.25, ts),
            attribute(
                f"{first}/act",
                "actualLightState",
                {"name": "LevelState", "value": 60},
                ts,
                "AttributeLevelState",
            ),
            attribute(f"{second}/mon", "activePower", 30.0, ts),
            attribute(f"{second}/mon", "supplyVoltage", 231.0, ts),  # not kept: no use here
        ],
    }
    assert talq.post("log-reports", report).status_code == 201
    sample = Telemetry.objects.get(asset__device_id=f"talq-{first}")
    assert (sample.power_w, sample.energy_wh, sample.level) == (42.5, 1250.0, 60.0)
    assert sample.ts.isoformat() == "2026-12-07T18:00:00+00:00"
    state = AssetState.objects.get(asset__device_id=f"talq-{first}")
    assert state.online is True and state.level == 60.0
    assert Telemetry.objects.get(asset__device_id=f"talq-{second}").power_w == 30.0
    # The same report again (a retry) is absorbed: one sample per device and instant.
    assert talq.post("log-reports", report).status_code == 201
    assert Telemetry.objects.filter(asset__device_id__startswith="talq-").count() == 2


def test_lamp_faults_are_raised_and_cleared(talq):
    (address,) = addresses(1)
    talq.post("devices", [lamp(address)])
    src = f"{address}/mon"
    raised = {
        "address": "cms-faults",
        "entries": [
            event(src, "lampFailure", True, "2026-12-07T18:00:00Z"),
            event(src, "lampUnexpectedOn", True, "2026-12-07T18:00:01Z"),
            event(src, "cyclingFailure", True, "2026-12-07T18:00:02Z"),
            event(src, "relayFailure", True, "2026-12-07T18:00:03Z"),
        ],
    }
    assert talq.post("log-reports", raised).status_code == 201
    open_faults = Fault.objects.filter(asset__device_id=f"talq-{address}", cleared_at=None)
    assert set(open_faults.values_list("type", flat=True)) == {
        FaultType.LAMP_FAILURE,
        FaultType.DAY_BURNING,
        FaultType.CYCLING_FAILURE,
        FaultType.RELAY_FAILURE,
    }
    cleared = {
        "address": "cms-faults",
        "entries": [event(src, "lampFailure", False, "2026-12-07T19:00:00Z")],
    }
    assert talq.post("log-reports", cleared).status_code == 201
    fault = Fault.objects.get(asset__device_id=f"talq-{address}", type=FaultType.LAMP_FAILURE)
    assert fault.cleared_at.isoformat() == "2026-12-07T19:00:00+00:00"
    assert open_faults.count() == 3


def test_entries_of_unknown_devices_are_kept_as_rejected(talq):
    (address,) = addresses(1)
    talq.post("devices", [lamp(address)])
    stranger = str(uuid.uuid4())
    report = {
        "address": "cms-values",
        "entries": [
            attribute(f"{address}/mon", "activePower", 10.0, "2026-12-07T18:00:00Z"),
            attribute(f"{stranger}/mon", "activePower", 11.0, "2026-12-07T18:00:00Z"),
        ],
    }
    assert talq.post("log-reports", report).status_code == 201
    assert Telemetry.objects.filter(asset__device_id=f"talq-{address}").count() == 1
    rejected = RejectedMessage.objects.get(reason_code="unknown_device")
    assert rejected.device_id == f"talq-{stranger}" and stranger in rejected.payload


def test_a_body_breaking_the_schema_is_refused_in_talqs_shape_and_kept(talq):
    response = talq.post("services", [{"name": "CoffeeService"}])
    assert response.status_code == 400
    (error,) = response.json()
    assert error["key"] == "payloadError" and "CoffeeService" in error["description"]
    kept = RejectedMessage.objects.get(reason_code="schema")
    assert kept.topic == "talq/talq-gw-north/POST services" and "CoffeeService" in kept.payload
    missing = talq.post("devices", [{"address": str(uuid.uuid4()), "name": "no class"}])
    assert missing.status_code == 400 and "class" in missing.json()[0]["description"]


def test_missing_parameters_and_headers_are_named(talq):
    response = talq.call(
        "GET", "groups", params={"clientAddress": None}, headers={"HTTP_TALQ_API_VERSION": "1.0.0"}
    )
    keys = {e["key"] for e in response.json()}
    assert response.status_code == 400
    assert keys == {"parameterMissing", "headerValueNotValid"}


def test_no_key_or_an_unknown_key_is_401(gateway):
    for client in (Talq(key=None), Talq(key="not-a-key-of-anyone-at-all")):
        response = client.post("services", SERVICES)
        assert response.status_code == 401
        assert response.json()[0]["key"] in ("headerMissing", "headerValueNotValid")
    assert RejectedMessage.objects.filter(reason_code="unauthorised").exists()
    assert not AssetState.objects.filter(asset=gateway).exists()


def test_the_key_of_a_controller_that_is_not_talq_is_403(gateway):
    details = gateway.controller
    details.protocol = "opcua"
    details.endpoint_url = "opc.tcp://cabinet:4840/"
    details.save()
    response = Talq().post("services", SERVICES)
    assert response.status_code == 403
    assert response.json()[0]["key"] == "headerValueNotValid"


def test_groups_logger_configs_and_data_packages(talq):
    talq.post("devices", [lamp(a) for a in addresses(2)])
    assert talq.get("groups").status_code == 200
    config = talq.get("logger-configs/cms-faults")
    assert config.status_code == 200
    assert "lampFailure" in config.json()["recordingMode"]["sourceEvents"]["whiteList"]
    assert talq.get("logger-configs/nope").status_code == 404
    assert talq.get("data-packages").json() == []
    assert talq.get("data-packages/any").status_code == 404
