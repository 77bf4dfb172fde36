"""What every page and endpoint tells a browser or a scraper: a Content-Security-Policy that
lets no injected script run, /metrics behind METRICS_TOKEN when one is set, and no password
reset open to anyone."""

import re

import pytest
from django.test import Client

from cityplatform.roles import Role

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_a_policy_without_inline_scripts(make_user):
    client = Client()
    pages = ["/accounts/login/", "/api/docs/"]
    responses = [client.get(page) for page in pages]
    client.force_login(make_user(superuser=True))
    responses += [client.get("/", follow=True), client.get("/api/v1/audit/")]
    for response in responses:
        assert response.status_code == 200
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]


def test_a_pages_inline_script_runs_by_its_nonce_only(make_user):
    client = Client()
    client.force_login(make_user(Role.LIGHTING_OPERATOR))
    response = client.get("/lighting/")
    assert response.status_code == 200
    nonces = re.findall(rb'<script nonce="([^"]+)">', response.content)
    assert nonces, "the lighting page has an inline script"
    assert f"'nonce-{nonces[0].decode()}'" in policy(response)["script-src"]
    # A second load gets another nonce: one seen once cannot be reused by an injected script.
    again = re.findall(rb'<script nonce="([^"]+)">', client.get("/lighting/").content)
    assert again[0] != nonces[0]


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-for-tests"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-it")
    assert wrong.status_code == 401 and b"city_" not in wrong.content
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-for-tests")
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain")


def test_metrics_are_open_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200


def test_there_is_no_password_reset_to_abuse(client):
    for path in ["/accounts/password_reset/", "/accounts/reset/MQ/set-password/"]:
        assert client.get(path).status_code == 404
        assert client.post(path, {"email": "someone@example.org"}).status_code in (403, 404)
