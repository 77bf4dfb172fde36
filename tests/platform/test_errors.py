"""One error format: {"message", "extra"} with the right status code."""

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
