"""GET requests and requests/{id}: filters as the specification names them, the status that
follows the fault (open → in progress → closed with the note), and no personal data, ever."""

from datetime import timedelta

import defusedxml.ElementTree as ElementTree
import pytest
from django.utils import timezone

from devices.models import Fault
from devices.services.faults import fault_acknowledge, fault_clear
from open311.models import ServiceRequest
from tests.open311.conftest import LAT, east

pytestmark = pytest.mark.django_db

RECORD_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
PERSONAL = {
    "email": "ada@example.org",
    "first_name": "Ada",
    "last_name": "Lovelace-Byron",
    "phone": "07700900123",
    "device_id": "phone-8842",
    "account_id": "acct-5531",
}


def report(web, key, **form) -> str:
    response = web.post("/open311/v2/requests.json", {"api_key": key, **form})
    assert response.status_code == 200, response.content
    return response.json()[0]["service_request_id"]


def one(web, public_id, fmt="json"):
    return web.get(f"/open311/v2/requests/{public_id}.{fmt}")


def test_status_follows_the_fault_from_open_to_closed(web, fms, street, make_user):
    _, key = fms
    public_id = report(web, key, service_code="streetlight_out", address_id="SL-1")
    (record,) = one(web, public_id).json()
    assert set(record) == RECORD_KEYS
    assert record["status"] == "open" and record["status_notes"].startswith("Received")

    fault = Fault.objects.get(asset__device_id="SL-1")
    fault_acknowledge(fault=fault, actor="crew-7")
    (record,) = one(web, public_id).json()
    assert record["status"] == "open" and record["status_notes"].startswith("In progress")

    fault_clear(asset=fault.asset, type=fault.type, actor="crew-7")
    (record,) = one(web, public_id).json()
    assert record["status"] == "closed"
    assert record["status_notes"].startswith("Closed: the fault was dealt with on")
    assert record["updated_datetime"] >= record["requested_datetime"]


def test_closing_from_the_staff_api_clears_the_fault_and_shows_the_note(
    web, fms, street, make_user, api_client
):
    from cityplatform.roles import Role

    _, key = fms
    public_id = report(web, key, service_code="streetlight_out", address_id="SL-2")
    manager = api_client(make_user(Role.ASSET_MANAGER))
    response = manager.post(
        f"/api/v1/open311/requests/{public_id}/close/", {"note": "Lamp replaced today."}
    )
    assert response.status_code == 200, response.content
    assert Fault.objects.get(asset__device_id="SL-2").cleared_at is not None
    (record,) = one(web, public_id).json()
    assert record["status"] == "closed" and record["status_notes"] == "Lamp replaced today."
    xml = ElementTree.fromstring(one(web, public_id, "xml").content)
    assert xml.tag == "service_requests"
    assert xml.find("request/status").text == "closed"
    assert xml.find("request/status_notes").text == "Lamp replaced today."


def test_filters_by_id_code_status_and_dates(web, fms, street):
    _, key = fms
    out = report(web, key, service_code="streetlight_out", address_id="SL-1")
    day = report(web, key, service_code="streetlight_day_burning", address_id="SL-2")
    damaged = report(web, key, service_code="streetlight_damaged", address_id="SL-3")
    fault = Fault.objects.get(asset__device_id="SL-3")
    fault_clear(asset=fault.asset, type=fault.type)

    def ids(query: str) -> set[str]:
        response = web.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids("") == {out, day, damaged}
    assert ids("status=closed") == {damaged}
    assert ids("status=open") == {out, day}
    assert ids("status=open,closed") == {out, day, damaged}
    assert ids("service_code=streetlight_out,streetlight_damaged") == {out, damaged}
    assert ids(f"service_request_id={out},{damaged}") == {out, damaged}
    past = (timezone.now() - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert ids(f"end_date={past}") == set()
    assert ids(f"start_date={past}&status=open") == {out, day}
    # a report older than 90 days is left out without dates, found with them
    ServiceRequest.objects.filter(public_id=out).update(
        created_at=timezone.now() - timedelta(days=120)
    )
    assert ids("") == {day, damaged}
    long_ago = (timezone.now() - timedelta(days=200)).isoformat()
    assert out in ids(f"start_date={long_ago.replace('+', '%2B')}")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("status=pending", "status 'pending' is not one of: open, closed"),
        ("service_code=potholes", "service_code 'potholes'"),
        ("start_date=yesterday", "start_date must be an ISO 8601"),
        ("start_date=2026-12-01T00:00:00", "with its offset"),
        ("start_date=2026-12-02T00:00:00Z&end_date=2026-12-01T00:00:00Z", "before start_date"),
    ],
)
def test_bad_filters_are_400_in_words(web, query, words):
    response = web.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert words in response.json()[0]["description"]


def test_an_unknown_request_is_404(web):
    response = one(web, "R-NOSUCH99")
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_personal_data_never_leaves_through_get_or_the_public_page(web, fms, street):
    _, key = fms
    public_id = report(
        web, key, service_code="streetlight_out", lat=str(LAT), long=east(10), **PERSONAL
    )
    assert ServiceRequest.objects.get().contact["email"] == PERSONAL["email"]  # kept for staff
    bodies = [
        one(web, public_id).content,
        one(web, public_id, "xml").content,
        web.get("/open311/v2/requests.json").content,
        web.get("/open311/v2/requests.xml").content,
        web.get(f"/report/{public_id}/").content,
    ]
    for body in bodies:
        for value in PERSONAL.values():
            assert value.encode() not in body
    (record,) = one(web, public_id).json()
    assert record["address_id"] == "SL-1"
    fault = Fault.objects.get()
    assert not set(PERSONAL.values()) & {str(v) for v in fault.details.values()}
