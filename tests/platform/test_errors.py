"""One error format: {"message", "extra"} with the right status code."""

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
