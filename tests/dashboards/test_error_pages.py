"""The error pages outside /api/ are the site's own: its layout and navigation, what happened in
words, and what the role may do instead; under /api/ the answers stay JSON."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from cityplatform import urls as root_urls
from cityplatform.roles import Role

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _refused(request):
    raise PermissionDenied()


urlpatterns = [
    path("boom/", _boom),
    path("refused/", _refused),
    path("api/v1/boom/", _boom),
    *root_urls.urlpatterns,
]
handler403, handler404, handler500 = (
    root_urls.handler403,
    root_urls.handler404,
    root_urls.handler500,
)


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role):
        client.force_login(make_user(role))
        return client

    return sign_in


def test_a_page_outside_the_role_is_a_styled_403_saying_what_it_may_do(signed_in):
    response = signed_in(Role.VIEWER).get("/security/")

    assert response.status_code == 403
    html = response.content.decode()
    assert 'nav aria-label="Main"' in html and "Sign out" in html  # the site's layout
    assert "Not for your role" in html
    assert "Your role may not open this page." in html
    assert "What you may do as Viewers" in html
    assert '<a href="/overview/">Overview</a>: see the city at a glance' in html
    assert "/security/" not in html.split("What you may do")[1]  # not offered what it may not
    assert [item.label for item in response.context["navigation"]] == ["Overview", "API"]


def test_an_unknown_page_is_a_styled_404_and_the_asset_pages_too(signed_in):
    client = signed_in(Role.ASSET_MANAGER)

    for address in ("/nothing-here/", "/assets/SL-NOPE/"):
        response = client.get(address)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Page not found" in html and f"There is no page at {address}" in html
        assert '<a href="/assets/">Assets</a>: keep the inventory' in html


def test_anonymous_visitors_get_the_404_with_a_sign_in_link(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert "/accounts/login/?next=/nothing-here/" in response.content.decode()
    assert response.context["navigation"] == []


@pytest.mark.urls(__name__)
def test_a_server_error_is_a_styled_500_and_the_api_stays_json(make_user):
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.LIGHTING_OPERATOR))

    page = client.get("/boom/")
    assert page.status_code == 500
    html = page.content.decode()
    assert "Something went wrong" in html and "the error is logged" in html
    assert '<a href="/lighting/">Lighting</a>' in html
    assert "a bug" not in html  # no internals shown

    api = client.get("/api/v1/boom/")
    assert api.status_code == 500 and api.json()["message"].startswith("Server error")
    assert client.get("/api/v1/nothing/").json() == {
        "message": "Not found.",
        "extra": {"path": "/api/v1/nothing/"},
    }


@pytest.mark.urls(__name__)
def test_a_bare_permission_denied_still_says_why_in_words(signed_in):
    response = signed_in(Role.VIEWER).get("/refused/")
    assert response.status_code == 403
    assert "Your role may not open this page or do this." in response.content.decode()


def test_a_failing_error_page_falls_back_to_the_plain_one(client, monkeypatch):
    from cityplatform import error_pages

    def broken(request, status, exception):
        raise RuntimeError("the layout is broken")

    monkeypatch.setattr(error_pages, "_renderer", [broken])
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert b"Not Found" in response.content  # Django's own
