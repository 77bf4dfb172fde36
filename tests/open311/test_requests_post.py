"""POST requests (form-encoded, as FixMyStreet sends them): a report becomes a fault on the
nearest light, on a named asset, or a triage item; bad keys and bad fields are refused in words."""

import defusedxml.ElementTree as ElementTree
import pytest

from devices.choices import FaultType
from devices.models import Fault
from open311.models import ServiceRequest
from tests.open311.conftest import LAT, east, north

pytestmark = pytest.mark.django_db


def post(web, fmt="json", **form):
    return web.post(f"/open311/v2/requests.{fmt}", form)


def test_a_report_near_a_light_becomes_a_fault_on_that_light(web, fms, street):
    _, key = fms
    response = post(
        web,
        api_key=key,
        service_code="streetlight_out",
        lat=str(LAT),
        long=east(10),
        description="Dark since Tuesday",
    )
    assert response.status_code == 200
    (created,) = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    fault = Fault.objects.get(asset__device_id="SL-1")
    assert fault.type == FaultType.LAMP_FAILURE and fault.cleared_at is None
    assert fault.details["service_request"] == created["service_request_id"]

    (record,) = web.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()
    assert record["status"] == "open" and record["address_id"] == "SL-1"
    assert record["description"] == "Dark since Tuesday"
    assert "SL-1" in record["status_notes"]


def test_a_report_naming_the_asset_id_goes_to_that_asset(web, fms, street):
    _, key = fms
    response = post(
        web, api_key=key, service_code="streetlight_day_burning", **{"attribute[asset_id]": "SL-3"}
    )
    assert response.status_code == 200
    assert Fault.objects.get(asset__device_id="SL-3").type == FaultType.DAY_BURNING
    # address_id works as well (clients without attributes), and a second report of the same
    # light joins the fault that is already open
    again = post(web, api_key=key, service_code="streetlight_day_burning", address_id="SL-3")
    assert again.status_code == 200
    assert Fault.objects.filter(asset__device_id="SL-3").count() == 1
    assert ServiceRequest.objects.filter(asset__device_id="SL-3").count() == 2


def test_a_camera_report_looks_only_at_cameras(web, fms, street):
    _, key = fms
    # 5 m from SL-2 and from CAM-1 alike: only the camera is of the service's kind
    response = post(web, api_key=key, service_code="camera_damaged", lat=north(0), long=east(40))
    assert response.status_code == 200
    assert Fault.objects.get().asset.device_id == "CAM-1"


def test_a_report_between_two_lights_waits_in_triage(web, fms, street):
    _, key = fms
    response = post(web, api_key=key, service_code="streetlight_out", lat=str(LAT), long=east(20))
    assert response.status_code == 200
    report = ServiceRequest.objects.get()
    assert report.fault is None and report.triage_reason == "ambiguous"
    assert set(report.candidates) == {"SL-1", "SL-2"}
    assert not Fault.objects.exists()
    (record,) = web.get(f"/open311/v2/requests/{report.public_id}.json").json()
    assert record["status"] == "open" and record["address_id"] is None


def test_a_report_far_from_any_light_waits_in_triage(web, fms, street):
    _, key = fms
    post(web, api_key=key, service_code="streetlight_out", lat=north(200), long=east(0))
    report = ServiceRequest.objects.get()
    assert report.triage_reason == "no_asset" and report.fault is None


def test_a_bad_or_missing_api_key_is_403(web, fms, street):
    for form in ({"api_key": "not-the-key"}, {}):
        response = post(web, service_code="streetlight_out", lat=str(LAT), long=east(0), **form)
        assert response.status_code == 403
        (error,) = response.json()
        assert error["code"] == 403 and "api_key" in error["description"]
    client, key = fms
    client.active = False
    client.save()
    response = post(web, fmt="xml", api_key=key, service_code="streetlight_out", address_id="SL-1")
    assert response.status_code == 403
    root = ElementTree.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "403"
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"lat": str(LAT), "long": "-0.09"}, "service_code is required"),
        ({"service_code": "potholes", "address_id": "SL-1"}, "'potholes' is not a service"),
        ({"service_code": "streetlight_out"}, "Say where"),
        ({"service_code": "streetlight_out", "lat": str(LAT)}, "both lat and long"),
        ({"service_code": "streetlight_out", "lat": "north", "long": "-0.09"}, "lat must be"),
        ({"service_code": "streetlight_out", "lat": "95", "long": "-0.09"}, "between -90 and 90"),
        ({"service_code": "streetlight_out", "address_id": "SL-99"}, "no asset numbered"),
        ({"service_code": "streetlight_out", "address_id": "CAM-1"}, "CAM-1 is a camera"),
        (
            {"service_code": "streetlight_out", "address_id": "SL-1", "media_url": "ftp://x"},
            "media_url",
        ),
        (
            {
                "service_code": "streetlight_out",
                "address_id": "SL-1",
                "media_url": "https://example.org/" + "p" * 500,
            },
            "media_url is longer than 500",
        ),
        ({"service_code": "streetlight_out", "address_id": "SL-1", "description": "a\x00b"}, "NUL"),
        ({"service_code": "streetlight_out", "address_id": "SL-1", "email": "\x00"}, "NUL"),
    ],
)
def test_missing_or_bad_fields_are_400_in_words(web, fms, street, form, words):
    _, key = fms
    response = post(web, api_key=key, **form)
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and words in error["description"]
    assert not ServiceRequest.objects.exists()


def test_the_post_answer_in_xml_is_service_requests_of_request(web, fms, street):
    _, key = fms
    response = post(web, fmt="xml", api_key=key, service_code="streetlight_out", address_id="SL-2")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.startswith("R-")
