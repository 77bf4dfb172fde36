"""Triage (asset managers place what no asset matched, through the API and the page) and the
public pages: report without an account, follow the report, rate-limited per address."""

import pytest

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.models import Fault
from open311.models import ServiceRequest
from tests.open311.conftest import LAT, east, north

pytestmark = pytest.mark.django_db


def ambiguous_report(web, key) -> str:
    response = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "streetlight_out", "lat": str(LAT), "long": east(20)},
    )
    return response.json()[0]["service_request_id"]


def test_asset_managers_see_the_triage_queue_and_place_a_report(
    web, fms, street, make_user, api_client
):
    _, key = fms
    public_id = ambiguous_report(web, key)
    manager = api_client(make_user(Role.ASSET_MANAGER))
    queue = manager.get("/api/v1/open311/requests/?triage=true").json()["results"]
    assert [r["public_id"] for r in queue] == [public_id]
    assert queue[0]["triage_reason"] == "ambiguous"

    response = manager.post(
        f"/api/v1/open311/requests/{public_id}/assign/", {"device_id": "SL-2"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["asset"] == "SL-2"
    assert Fault.objects.get().asset.device_id == "SL-2"
    assert manager.get("/api/v1/open311/requests/?triage=true").json()["results"] == []
    assert AuditEntry.objects.filter(action="open311.request_assigned").exists()
    # placed once: a second placement is refused in words
    again = manager.post(
        f"/api/v1/open311/requests/{public_id}/assign/", {"device_id": "SL-1"}, format="json"
    )
    assert again.status_code == 400 and "not waiting in triage" in again.json()["message"]


def test_a_triage_item_closes_alone_with_a_note_and_roles_without_it_are_refused(
    web, fms, street, make_user, api_client
):
    _, key = fms
    public_id = ambiguous_report(web, key)
    viewer = api_client(make_user(Role.VIEWER))
    assert viewer.get("/api/v1/open311/requests/").status_code == 403
    refused = viewer.post(f"/api/v1/open311/requests/{public_id}/close/", {"note": "x"})
    assert refused.status_code == 403
    manager = api_client(make_user(Role.ASSET_MANAGER))
    empty = manager.post(f"/api/v1/open311/requests/{public_id}/close/", {"note": " "})
    assert empty.status_code == 400
    closed = manager.post(
        f"/api/v1/open311/requests/{public_id}/close/", {"note": "A private light, not ours."}
    )
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    (record,) = web.get(f"/open311/v2/requests/{public_id}.json").json()
    assert record["status"] == "closed" and record["status_notes"] == "A private light, not ours."


def test_the_triage_page_lists_and_places_reports(web, fms, street, make_user):
    _, key = fms
    public_id = ambiguous_report(web, key)
    web.force_login(make_user(Role.ASSET_MANAGER))
    page = web.get("/assets/reports/")
    assert page.status_code == 200
    assert public_id.encode() in page.content and b"SL-1 (20" in page.content
    response = web.post(f"/assets/reports/{public_id}/assign/", {"device_id": "SL-1"}, follow=True)
    assert b"placed: its fault is raised" in response.content
    assert ServiceRequest.objects.get().asset.device_id == "SL-1"


def test_a_resident_reports_on_the_public_page_and_follows_it(web, street):
    page = web.get("/report/")
    assert page.status_code == 200 and b"Street light not working" in page.content
    response = web.post(
        "/report/",
        {"service_code": "streetlight_out", "asset_id": "SL-3", "description": "Flickers"},
    )
    assert response.status_code == 302
    report = ServiceRequest.objects.get()
    assert report.client is None and report.fault.asset.device_id == "SL-3"
    follow = web.get(response["Location"])
    assert follow.status_code == 200
    assert report.public_id.encode() in follow.content and b"Flickers" in follow.content
    assert b"passed to the maintenance team" in follow.content


def test_the_public_page_says_what_is_wrong_with_a_report(web, street):
    response = web.post("/report/", {"service_code": "streetlight_out", "lat": "51.5"})
    assert response.status_code == 400
    assert b"Send both lat and long" in response.content
    assert not ServiceRequest.objects.exists()


def test_the_public_page_is_rate_limited_per_address(web, street, settings):
    settings.OPEN311_REPORT_RATE = "2/hour"
    form = {"service_code": "streetlight_out", "lat": north(200), "long": east(0)}
    assert web.post("/report/", form).status_code == 302
    assert web.post("/report/", form).status_code == 302
    refused = web.post("/report/", form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many reports from this address" in refused.content
    assert ServiceRequest.objects.count() == 2
    other = web.post("/report/", form, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302
