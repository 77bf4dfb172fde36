"""Rate limits and the sign-in lockout on the ways in that take a secret (the API token sign-in,
the sign-in page, the VMS webhook), tried as an attacker would: with a new X-Forwarded-For on
every request, and with one username from many addresses (password spraying)."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from rest_framework.throttling import SimpleRateThrottle

from cityplatform.client_address import client_address

LOCAL_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rate-limit-tests",
    }
}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # dozens of sign-ins per test
RIGHT = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def empty_throttle_cache():
    with override_settings(CACHES=LOCAL_CACHE, PASSWORD_HASHERS=FAST_HASHER):
        from django.core.cache import cache

        cache.clear()
        yield


def rate(settings, scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def spoofed(i: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{i % 250 + 1}"}


@pytest.mark.django_db
def test_guessing_passwords_for_a_token_is_throttled(api_client, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # the request rate alone, here
    make_user(username="alice")
    limit = rate(settings, "login")
    client = api_client()
    statuses = [
        client.post(TOKEN_URL, {"username": "alice", "password": f"guess {i}"}).status_code
        for i in range(limit + 2)
    ]
    assert set(statuses[:limit]) == {400}
    assert statuses[-1] == 429
    # Even the right password waits out the limit.
    right = client.post(TOKEN_URL, {"username": "alice", "password": RIGHT})
    assert right.status_code == 429


@pytest.mark.django_db
def test_a_new_forwarded_address_on_each_request_does_not_escape_the_rate(
    api_client, make_user, settings
):
    settings.AXES_FAILURE_LIMIT = 1000
    make_user(username="alice")
    client = api_client()
    statuses = [
        client.post(
            TOKEN_URL, {"username": "alice", "password": f"guess {i}"}, **spoofed(i)
        ).status_code
        for i in range(rate(settings, "login") + 1)
    ]
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_thirty_guesses_with_spoofed_addresses_lock_the_token_sign_in(api_client, make_user):
    make_user(username="alice")
    client = api_client()
    for i in range(30):
        client.post(TOKEN_URL, {"username": "alice", "password": f"guess {i}"}, **spoofed(i))
    right = client.post(TOKEN_URL, {"username": "alice", "password": RIGHT}, **spoofed(99))
    assert right.status_code == 429  # throttled and locked out, whichever answers first
    assert set(right.json()) == {"message", "extra"}
    assert int(right["Retry-After"]) > 0


@pytest.mark.django_db
def test_thirty_guesses_with_spoofed_addresses_lock_the_sign_in_page(client, make_user):
    make_user(username="alice")
    for i in range(30):
        client.post("/accounts/login/", {"username": "alice", "password": f"x{i}"}, **spoofed(i))
    right = client.post("/accounts/login/", {"username": "alice", "password": RIGHT})
    assert right.status_code == 429
    assert b"Too many" in right.content
    assert "_auth_user_id" not in client.session


@pytest.fixture
def no_request_rate(monkeypatch):
    """The lockout alone: no per-address request rate in the way."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", None)


@pytest.mark.django_db
def test_one_username_from_many_addresses_is_locked(api_client, make_user, settings):
    """Password spraying across a botnet: every guess from its own real address."""
    make_user(username="alice")
    client = api_client()
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        client.post(
            TOKEN_URL,
            {"username": "alice", "password": f"guess {i}"},
            REMOTE_ADDR=f"203.0.113.{i + 1}",
        ).status_code
        for i in range(limit)
    ]
    assert set(statuses[: limit - 1]) == {400} and statuses[-1] == 429
    right = client.post(
        TOKEN_URL, {"username": "alice", "password": RIGHT}, REMOTE_ADDR="192.0.2.200"
    )
    assert right.status_code == 429
    body = right.json()
    assert set(body) == {"message", "extra"} and "locked" in body["message"]
    assert int(right["Retry-After"]) == body["extra"]["retry_after"] > 0
    assert "token" not in body


@pytest.mark.django_db
def test_many_usernames_from_one_address_lock_the_address(
    api_client, make_user, settings, no_request_rate
):
    """One password tried on every account from one machine."""
    bob = make_user(username="bob")
    client = api_client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(TOKEN_URL, {"username": f"user{i}", "password": "Summer2026!"})
    assert client.post(TOKEN_URL, {"username": bob.username, "password": RIGHT}).status_code == 429
    # Bob, from his own machine, is not locked out by the attacker's address.
    other = client.post(
        TOKEN_URL, {"username": bob.username, "password": RIGHT}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 200


@pytest.mark.django_db
def test_an_administrator_unlocks_a_username(api_client, make_user, settings):
    make_user(username="alice")
    client = api_client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            TOKEN_URL, {"username": "alice", "password": f"g{i}"}, REMOTE_ADDR=f"203.0.113.{i + 1}"
        )
    assert client.post(TOKEN_URL, {"username": "alice", "password": RIGHT}).status_code == 429
    call_command("axes_reset_username", "alice")
    assert client.post(TOKEN_URL, {"username": "alice", "password": RIGHT}).status_code == 200


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_real_client_has_its_own_count(api_client, make_user, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    settings.AXES_FAILURE_LIMIT = 1000
    make_user(username="alice")
    client = api_client()
    proxy = {"REMOTE_ADDR": "10.9.0.5"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for i in range(rate(settings, "login")):
        client.post(TOKEN_URL, {"username": "alice", "password": f"g{i}"}, **attacker)
    # What the attacker writes left of the proxy's entry changes nothing.
    forged = {**proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.66"}
    assert client.post(TOKEN_URL, {"username": "x", "password": "y"}, **forged).status_code == 429
    colleague = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.77"}
    answer = client.post(TOKEN_URL, {"username": "alice", "password": RIGHT}, **colleague)
    assert answer.status_code == 200


class Meta(dict):
    @property
    def META(self):  # Django's name
        return self


@pytest.mark.parametrize(
    ("trusted", "meta", "expected"),
    [
        ([], {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "192.0.2.1"),
        (
            ["10.0.0.1"],
            {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"},
            "192.0.2.1",
        ),
        (
            ["10.0.0.1"],
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"},
            "5.6.7.8",
        ),
        (
            ["10.0.0.0/8"],
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8:4711, 10.1.1.1"},
            "5.6.7.8",
        ),
        (["10.0.0.1"], {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (
            ["::1"],
            {"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "[2001:db8::7]:443"},
            "2001:db8::7",
        ),
        (["10.0.0.1"], {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "junk"}, "10.0.0.1"),
    ],
)
def test_the_client_address_believes_forwarded_headers_only_from_trusted_proxies(
    trusted, meta, expected, settings
):
    settings.TRUSTED_PROXIES = trusted
    assert client_address(Meta(meta)) == expected


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
    limit = rate(settings, "webhook")
    statuses = [
        client.post(url, {}, format="json", **spoofed(i)).status_code for i in range(limit + 1)
    ]
    assert first.status_code < 500
    assert statuses[-1] == 429
