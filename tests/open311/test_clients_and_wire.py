"""Clients and the wire as a client meets it: keys kept hashed, a FixMyStreet-style form POST
over real HTTP (no CSRF token, no session), and a list answered in a bounded number of queries."""

import json
import urllib.parse
import urllib.request

import pytest
from django.test import Client

from devices.models import Fault
from open311.models import Open311Client
from open311.services.clients import open311_client_create
from tests.devices.registry_factories import make_light
from tests.open311.conftest import LAT, LON, METRE_LON


@pytest.mark.django_db
def test_a_key_is_shown_once_and_kept_only_as_its_hash(web):
    client, key = open311_client_create(name="City app", actor="test")
    stored = Open311Client.objects.get(pk=client.pk)
    assert key not in (stored.key_hash, stored.key_prefix) and stored.key_prefix == key[:8]
    make_light("SL-9", LAT, LON)
    posted = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "streetlight_out", "address_id": "SL-9"},
    )
    assert posted.status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    refused = web.post(
        "/open311/v2/requests.json",
        {"api_key": stored.key_hash, "service_code": "streetlight_out", "address_id": "SL-9"},
    )
    assert refused.status_code == 403  # the hash is not a key


@pytest.mark.django_db
def test_a_client_posts_without_csrf_token_or_session(fms, street):
    _, key = fms
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "streetlight_out", "address_id": "SL-1"},
    )
    assert response.status_code == 200
    # the public page is a form of the site: it wants its token
    assert strict.post("/report/", {"service_code": "streetlight_out"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_fixmystreet_style_post_over_http(live_server):
    _, key = open311_client_create(name="FixMyStreet", actor="test")
    make_light("SL-1", LAT, LON)
    body = urllib.parse.urlencode(
        {
            "api_key": key,
            "service_code": "streetlight_out",
            "lat": LAT,
            "long": LON + 4 * METRE_LON,
            "description": "Light out by the bus stop",
            "email": "someone@example.org",
            "first_name": "Sam",
            "last_name": "Smith",
            "attribute[asset_id]": "",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        f"{live_server.url}/open311/v2/requests.json",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (the test's server)
        (created,) = json.loads(answer.read())
    assert Fault.objects.get().asset.device_id == "SL-1"
    url = f"{live_server.url}/open311/v2/requests/{created['service_request_id']}.json"
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
        text = answer.read().decode()
    assert "Light out by the bus stop" in text
    assert "someone@example.org" not in text and "Smith" not in text


@pytest.mark.django_db
def test_the_request_list_costs_the_same_queries_for_many_requests(
    web, fms, street, django_assert_max_num_queries
):
    _, key = fms
    for i in range(30):
        light = f"SL-{i % 3 + 1}"
        code = ["streetlight_out", "streetlight_day_burning", "streetlight_damaged"][i % 3]
        web.post(
            "/open311/v2/requests.json", {"api_key": key, "service_code": code, "address_id": light}
        )
    with django_assert_max_num_queries(2):
        response = web.get("/open311/v2/requests.json")
    assert len(response.json()) == 30
