"""Rate limits on the ways in that take a secret: the API token login (and the VMS webhook when
the CCTV app provides it)."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

LOCAL_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rate-limit-tests",
    }
}


@pytest.fixture(autouse=True)
def empty_throttle_cache():
    with override_settings(CACHES=LOCAL_CACHE):
        from django.core.cache import cache

        cache.clear()
        yield


@pytest.mark.django_db
def test_guessing_passwords_for_a_token_is_throttled(api_client, make_user, settings):
    make_user(username="alice")
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    client = api_client()
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": "alice", "password": f"guess {i}"}
        ).status_code
        for i in range(rate + 2)
    ]
    assert set(statuses[:rate]) == {400}
    assert statuses[-1] == 429
    # Even the right password waits out the limit.
    right = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "correct horse battery staple"}
    )
    assert right.status_code == 429


@pytest.mark.django_db
def test_the_webhook_is_throttled(api_client, settings):
    try:
        url = reverse("cctv-events-ingest")
    except NoReverseMatch:
        url = "/api/v1/cctv/events/ingest/"
    client = api_client()
    first = client.post(url, {}, format="json")
    if first.status_code == 404:
        pytest.skip("the VMS webhook is not there yet (cctv)")
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["webhook"].split("/")[0])
    statuses = [client.post(url, {}, format="json").status_code for _ in range(rate + 1)]
    assert first.status_code < 500
    assert statuses[-1] == 429
