"""Sign-in: works, and is rate-limited per address and username against brute force."""

import pytest
from django.core.cache import cache

from cityplatform.auth import LoginThrottle


@pytest.fixture
def fresh_throttle():
    keys = []

    def key(username: str) -> str:
        k = LoginThrottle.cache_format % {"scope": "login", "ident": f"127.0.0.1:{username}"}
        keys.append(k)
        cache.delete(k)
        return k

    yield key
    cache.delete_many(keys)


@pytest.mark.django_db
def test_sign_in_reaches_home(make_user, client, fresh_throttle):
    user = make_user(superuser=True)
    fresh_throttle(user.username)
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).status_code == 200  # home, or the role's own page


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_refused_with_429(make_user, client, settings, fresh_throttle):
    user = make_user()
    fresh_throttle(user.username)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for _ in range(limit):
        assert (
            client.post(
                "/accounts/login/", {"username": user.username, "password": "x"}
            ).status_code
            == 200
        )
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in response.content
