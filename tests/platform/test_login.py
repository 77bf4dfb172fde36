"""Sign-in: works, is rate-limited per address and username, and locks a username out after
LOGIN_FAILURE_LIMIT failures (django-axes), saying so in words."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from cityplatform.auth import LoginThrottle

RIGHT = "correct horse battery staple"


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
    response = client.post("/accounts/login/", {"username": user.username, "password": RIGHT})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).status_code == 200  # home, or the role's own page


@pytest.mark.django_db
def test_repeated_sign_ins_are_refused_with_429(make_user, client, settings, fresh_throttle):
    settings.AXES_FAILURE_LIMIT = 1000  # the request rate alone, here
    user = make_user()
    fresh_throttle(user.username)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for _ in range(limit):
        answer = client.post("/accounts/login/", {"username": user.username, "password": "x"})
        assert answer.status_code == 200
    response = client.post("/accounts/login/", {"username": user.username, "password": RIGHT})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in response.content


@pytest.mark.django_db
def test_failed_sign_ins_lock_the_username_out_and_the_page_says_so(
    make_user, client, settings, fresh_throttle, monkeypatch
):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", None)  # the lockout alone
    user = make_user()
    fresh_throttle(user.username)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        answer = client.post("/accounts/login/", {"username": user.username, "password": "x"})
        assert answer.status_code == 200
        assert b"didn&#x27;t match" in answer.content or b"didn't match" in answer.content
    locking = client.post("/accounts/login/", {"username": user.username, "password": "x"})
    assert locking.status_code == 429
    response = client.post("/accounts/login/", {"username": user.username, "password": RIGHT})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert b"Too many failed sign-ins" in response.content
    assert b"locked for 15 minutes" in response.content
    assert "_auth_user_id" not in client.session
