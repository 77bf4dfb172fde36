"""API tokens, tried as a script and as an attacker would: a new token at each sign-in, only a
hash at rest, expired or revoked tokens refused, a password change (by any path) ending them all,
each user managing their own, administrators everyone's."""

import getpass
import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cityplatform.roles import Role

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"
NEW = "a brand new long passphrase 2026"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_cache_and_fast_hashes():
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "token-tests",
        }
    }
    with override_settings(CACHES=caches, PASSWORD_HASHERS=FAST_HASHER):
        from django.core.cache import cache

        cache.clear()  # the sign-in rate (LOGIN_RATE) counts per test
        yield


def sign_in(user, password: str = RIGHT) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}
    )
    assert response.status_code == 200, response.content
    return response.json()


def as_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = as_token(token).get("/api/v1/auth/tokens/").status_code
    assert status in (200, 401)
    return status == 200


def test_each_sign_in_issues_a_new_expiring_token_kept_only_as_a_hash(make_user, settings):
    user = make_user(Role.VIEWER)
    first, second = sign_in(user), sign_in(user)
    assert first["token"] != second["token"]
    assert works(first["token"]) and works(second["token"])
    expiry = timezone.datetime.fromisoformat(first["expiry"])
    assert abs(expiry - (timezone.now() + settings.TOKEN_TTL)) < timedelta(minutes=1)
    stored = AuthToken.objects.filter(user=user)
    assert stored.count() == 2
    for row in stored:
        assert first["token"] not in (row.digest, row.token_key)
        assert second["token"] not in (row.digest, row.token_key)
    digests = set(stored.values_list("digest", flat=True))
    assert hashlib.sha512(first["token"].encode()).hexdigest() in digests


def test_an_expired_token_is_refused(make_user):
    token = sign_in(make_user(Role.VIEWER))["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = as_token(token).get("/api/v1/audit/")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_a_revoked_token_is_refused_and_the_others_still_work(make_user):
    user = make_user(Role.VIEWER)
    kept, revoked = sign_in(user)["token"], sign_in(user)["token"]
    listed = as_token(kept).get("/api/v1/auth/tokens/").json()["results"]
    assert {t["id"] for t in listed} == {kept[:15], revoked[:15]}
    assert [t["current"] for t in listed if t["id"] == kept[:15]] == [True]
    assert as_token(kept).delete(f"/api/v1/auth/tokens/{revoked[:15]}/").status_code == 204
    assert not works(revoked)
    assert works(kept)


def test_revoke_all_ends_every_token_of_the_caller(make_user):
    user = make_user(Role.VIEWER)
    tokens = [sign_in(user)["token"] for _ in range(3)]
    answer = as_token(tokens[0]).post("/api/v1/auth/tokens/revoke-all/", {})
    assert answer.status_code == 200 and answer.json() == {"revoked": 3}
    assert not any(works(t) for t in tokens)


def test_a_user_sees_and_revokes_only_their_own_tokens(make_user):
    alice, bob = make_user(Role.VIEWER), make_user(Role.SECURITY_OPERATOR)
    alices, bobs = sign_in(alice)["token"], sign_in(bob)["token"]
    listed = as_token(alices).get("/api/v1/auth/tokens/", {"user": bob.username}).json()
    assert listed["results"] == []
    assert as_token(alices).delete(f"/api/v1/auth/tokens/{bobs[:15]}/").status_code == 404
    other = as_token(alices).post("/api/v1/auth/tokens/revoke-all/", {"user": bob.username})
    assert other.status_code == 403
    assert works(bobs)


def test_an_administrator_lists_and_revokes_anyones_tokens(make_user):
    admin, bob = make_user(superuser=True), make_user(Role.LIGHTING_OPERATOR)
    bobs = [sign_in(bob)["token"] for _ in range(2)]
    client = APIClient()
    client.force_authenticate(admin)
    listed = client.get("/api/v1/auth/tokens/", {"user": bob.username}).json()["results"]
    assert {t["id"] for t in listed} == {t[:15] for t in bobs}
    assert {t["user"] for t in listed} == {bob.username}
    assert client.delete(f"/api/v1/auth/tokens/{bobs[0][:15]}/").status_code == 204
    assert not works(bobs[0]) and works(bobs[1])
    answer = client.post("/api/v1/auth/tokens/revoke-all/", {"user": bob.username})
    assert answer.json() == {"revoked": 1}
    assert not works(bobs[1])


def test_a_password_change_on_the_page_ends_every_token(make_user):
    user = make_user(Role.VIEWER)
    token = sign_in(user)["token"]
    page = Client()
    page.force_login(user)
    answer = page.post(
        "/accounts/password_change/",
        {"old_password": RIGHT, "new_password1": NEW, "new_password2": NEW},
    )
    assert answer.status_code == 302
    assert not works(token)
    assert works(sign_in(user, NEW)["token"])


def test_a_password_change_in_the_admin_ends_every_token(make_user):
    user, admin = make_user(Role.VIEWER), make_user(superuser=True)
    token = sign_in(user)["token"]
    page = Client()
    page.force_login(admin)
    answer = page.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert answer.status_code == 302, answer.content[:2000]
    assert not works(token)


def test_changepassword_ends_every_token(make_user, monkeypatch):
    user = make_user(Role.VIEWER)
    token = sign_in(user)["token"]
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW)
    call_command("changepassword", user.username)
    assert not works(token)


def test_set_password_in_code_ends_every_token(make_user):
    user = make_user(Role.VIEWER)
    token = sign_in(user)["token"]
    user.set_password(NEW)
    user.save()
    assert not works(token)


def test_an_old_plain_token_and_a_malformed_header_are_refused(make_user):
    make_user(Role.VIEWER)
    drf_style = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # 40 hex characters, as before
    assert as_token(drf_style).get("/api/v1/audit/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xff")  # the byte 0xFF: not UTF-8
    assert client.get("/api/v1/audit/").status_code == 401


def test_the_token_endpoints_are_in_the_schema(api_client):
    paths = api_client().get("/api/schema/", {"format": "json"}).json()["paths"]
    issued = paths["/api/v1/auth/token/"]["post"]["responses"]["200"]["content"]
    schema = issued["application/json"]["schema"]
    assert {"token", "expiry"} <= set(str(schema)) or "$ref" in schema
    assert "/api/v1/auth/tokens/" in paths
    assert "delete" in paths["/api/v1/auth/tokens/{id}/"]
    assert "post" in paths["/api/v1/auth/tokens/revoke-all/"]
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]
