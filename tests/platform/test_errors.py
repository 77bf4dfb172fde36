"""One error format: {"message", "extra"} with the right status code."""

import json

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory

from cityplatform.api import ApplicationError, exception_handler


def render(exc):
    request = APIRequestFactory().get("/")
    return exception_handler(exc, {"request": request, "view": None})


def test_model_validation_names_each_field_with_whole_messages():
    error = ValidationError({"zone": ["Unknown zone 'Nowhere'."], "level": ["Must be 0-100."]})
    response = render(error)
    assert response.status_code == 400
    assert response.data == {
        "message": "Invalid input.",
        "extra": {"fields": {"zone": ["Unknown zone 'Nowhere'."], "level": ["Must be 0-100."]}},
    }


def test_a_validation_error_without_fields_lists_its_messages():
    response = render(ValidationError("Not now."))
    assert response.data == {"message": "Invalid input.", "extra": {"errors": ["Not now."]}}


def test_application_error_keeps_its_status_and_extra():
    response = render(
        ApplicationError("Has history.", extra={"device_id": "SL-1"}, status_code=409)
    )
    assert response.status_code == 409
    assert response.data == {"message": "Has history.", "extra": {"device_id": "SL-1"}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        # Python takes offsets up to ±23:59, PostgreSQL only up to ±15:59: the instant is
        # compared in UTC.
        ("/api/v1/faults/?raised_after=2026-04-11T02:41:09%2B23:59", 200),
        ("/api/v1/cctv/events/?since=2026-01-10T12:55:51-21:06", 200),
        ("/api/v1/faults/?raised_before=0001-01-01T00:00:00%2B05:00", 400),  # before year 1 UTC
    ],
)
def test_an_instant_in_a_filter_with_any_offset_is_an_answer_not_a_server_error(
    url, status, make_user, api_client
):
    response = api_client(make_user(superuser=True)).get(url)
    assert response.status_code == status, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "body", "format"),
    [
        ("post", "/api/v1/faults/", {"device_id": "\x00", "type": "lamp_failure"}, "json"),
        ("post", "/api/v1/faults/", {"device_id": "SL\x00", "type": "lamp_failure"}, "multipart"),
        ("post", "/api/v1/zones/", {"name": "Ward", "attributes": {"k": ["\x00"]}}, "json"),
        ("get", "/api/v1/lighting/lights/SL%00/explain/", None, None),
        ("get", "/api/v1/assets/?search=%00", None, None),
    ],
    ids=["json", "form", "nested-json", "path", "query"],
)
def test_text_with_a_nul_character_is_refused_with_a_400(
    method, url, body, format, make_user, api_client
):
    """PostgreSQL cannot store U+0000: refused at the edge in the one error format, never a 500."""
    client = api_client(make_user(superuser=True))
    response = getattr(client, method)(url, body, format=format) if body else client.get(url)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "message": "Text may not contain the NUL character (U+0000).",
        "extra": {},
    }


@pytest.mark.django_db
def test_model_serializers_refuse_input_instants_outside_1970_to_9998():
    """A year-162 instant would be stored and rendered in London's mean time (-00:01:15),
    outside RFC 3339 (schemathesis found it through an explicit field; every model serializer's
    instants go through the same check)."""
    from rest_framework import serializers

    from cctv.models import AnalyticsReport

    class ReportInput(serializers.ModelSerializer):
        class Meta:
            model = AnalyticsReport
            fields = ["since", "until", "dim_level", "computed_at"]

    data = {
        "since": "0162-01-10T19:51:34Z",
        "until": "2026-01-10T00:00:00Z",
        "dim_level": 40,
        "computed_at": "2026-01-10T00:00:00Z",
    }
    form = ReportInput(data=data)
    assert not form.is_valid() and set(form.errors) == {"since"}
    assert ReportInput(data={**data, "since": "2026-01-01T00:00:00Z"}).is_valid()


# --- Every /api/ answer is JSON in the error form with a 4xx (issue #14, item 18) -------------

HUGE_IDS = ["1e20", "99999999999999999999", "-99999999999999999999", "9223372036854775808"]


def _integer_query_parameters():
    """(path, parameter) of every GET operation without path parameters whose query parameter
    is documented as a number: every filter the schema offers, so a new one is checked too."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            kind = parameter.get("schema", {}).get("type")
            if parameter["in"] == "query" and kind in ("integer", "number"):
                found.append((path, parameter["name"]))
    return found


@pytest.mark.django_db
def test_an_id_too_big_for_the_database_in_any_filter_is_a_400_in_the_error_form(
    make_user, api_client
):
    """?zone=1e20, ?parent=99999999999999999999 were 500s (bigint overflow)."""
    client = api_client(make_user(superuser=True))
    parameters = [*_integer_query_parameters(), ("/api/v1/lighting/commands/", "light")]
    assert ("/api/v1/zones/", "parent") in parameters and len(parameters) > 30
    wrong = []
    for path, name in parameters:
        for value in HUGE_IDS:
            response = client.get(path, {name: value})
            if name == "page_size":  # a hint: a value that is no page size is ignored
                assert response.status_code == 200
                continue
            expected = 404 if name == "page" else 400  # page: "Invalid page."
            if response.status_code != expected or set(response.json()) != {"message", "extra"}:
                wrong.append(f"{path}?{name}={value}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def _error_form(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = response.json()
    assert set(body) == {"message", "extra"}
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/zones/0.5/",
        "/api/v1/zones/99999999999999999999/",
        "/api/v1/no-such-thing/",
        "/api/v1/zones/1/x/",
        "/api/v2/zones/",
        "/api/x",
    ],
)
def test_an_unknown_api_route_is_a_json_404(url, make_user, client):
    client.force_login(make_user(superuser=True))
    response = client.get(url)
    assert response.status_code == 404
    assert _error_form(response)["message"] == "Not found."


@pytest.mark.django_db
def test_an_unknown_page_is_still_an_html_404(make_user, client):
    client.force_login(make_user(superuser=True))
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/api/v1/zones/", "application/json"),
        ("/api/v1/auth/token/", "application/x-www-form-urlencoded"),
        ("/api/v1/cctv/events/ingest/", "application/json"),
        ("/api/v1/assets/import/", "multipart/form-data; boundary=x"),
    ],
)
def test_a_20_mb_body_is_a_json_413(url, content_type, make_user, client, settings):
    """A 20 MB body (JSON, form, webhook; multipart past UPLOAD_MAX_BYTES) answered HTML."""
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    client.force_login(make_user(superuser=True))
    body = b"x" * (20 * 1024 * 1024)
    response = client.generic("POST", url, body, content_type=content_type)
    assert response.status_code == 413
    assert _error_form(response)["extra"]["max_bytes"] in (2_621_440, 10 * 1024 * 1024)


@pytest.mark.django_db
def test_a_body_too_big_for_django_without_content_length_is_a_json_413(make_user, api_client):
    """Read past DATA_UPLOAD_MAX_MEMORY_SIZE by Django itself (RequestDataTooBig)."""
    from django.core.exceptions import RequestDataTooBig

    response = render(RequestDataTooBig("Request body exceeded settings."))
    assert response.status_code == 413 and set(response.data) == {"message", "extra"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        ("delete", "/api/v1/zones/", {}, 405),
        ("put", "/api/v1/cctv/alarms/", {}, 405),
        ("get", "/api/v1/zones/", {"HTTP_ACCEPT": "application/xml"}, 406),
        ("post", "/api/v1/zones/", {"content_type": "text/plain"}, 415),
        ("post", "/api/v1/zones/", {"content_type": "application/xml"}, 415),
    ],
)
def test_wrong_methods_accept_and_content_types_answer_in_the_error_form(
    method, url, headers, status, make_user, client
):
    client.force_login(make_user(superuser=True))
    data = {} if method == "get" else "<zone/>"
    response = getattr(client, method)(url, data, **headers)
    assert response.status_code == status, response.content[:300]
    _error_form(response)


@pytest.mark.django_db
def test_a_suspicious_api_request_is_a_json_400(client):
    """A Host header outside ALLOWED_HOSTS (DisallowedHost) is answered by Django's handler400."""
    response = client.get("/api/v1/zones/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    _error_form(response)


def test_an_unexpected_error_under_api_is_still_in_the_error_form(rf):
    from cityplatform.api import server_error

    response = server_error(rf.get("/api/v1/zones/"))
    assert response.status_code == 500
    assert set(json.loads(response.content)) == {"message", "extra"}
    assert server_error(rf.get("/")).headers["Content-Type"].startswith("text/html")


@pytest.mark.django_db
async def test_a_20_mb_body_is_a_json_413_through_the_asgi_stack_too(async_client):
    body = b"{" + b" " * (20 * 1024 * 1024) + b"}"
    response = await async_client.post("/api/v1/zones/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["extra"] == {"max_bytes": 2_621_440}
