"""API conventions: one error type and format, pagination."""

import logging
from datetime import UTC, date
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cityplatform.nul_guard import BodyRefused

log = logging.getLogger(__name__)


MAX_ID = 2**63 - 1  # PostgreSQL bigint


def parse_id(raw: str | None) -> int | None:
    """A database id from text (a query parameter, a path segment): ASCII digits within the
    bigint range, else None. (`str.isdigit` accepts "³", which `int` refuses, and a number past
    the range reaches the database as an error.)"""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


# Days a request may name: the work around a day (the night before, the 28 days of history
# before a period) must stay within Python's dates.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def day_problem(day: date) -> str | None:
    """Why a day cannot be asked for, or None."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return f"must be between {EARLIEST_DAY} and {LATEST_DAY}"
    return None


class InstantInput(serializers.DateTimeField):
    """A DateTimeField for input instants, within the days a request may name: a year-162
    instant was stored and then rendered in the local zone's mean time (offset -00:01:15),
    which is not RFC 3339 (found by the full-size schemathesis run)."""

    def to_internal_value(self, value):
        instant = super().to_internal_value(value)
        if problem := day_problem(instant.astimezone(UTC).date()):
            self.fail("out_of_range", problem=problem)
        return instant

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "out_of_range": "The instant {problem}.",
    }


class ApplicationError(Exception):
    """The one application error: a message for people, details for programs, a status code."""

    def __init__(
        self,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        status_code: int = status.HTTP_400_BAD_REQUEST,
    ):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.status_code = status_code


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


def _django_validation_extra(error: DjangoValidationError) -> dict[str, Any]:
    if hasattr(error, "error_dict"):
        fields = error.message_dict.items()
        return {"fields": {field: [str(m) for m in messages] for field, messages in fields}}
    return {"errors": error.messages}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Renders every error as `{"message": …, "extra": {…}}` with the right status code."""
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"message": "Invalid input.", "extra": _django_validation_extra(exc)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django logs it and answers 500
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        extra = {"fields": detail} if isinstance(detail, dict) else {"errors": detail}
        response.data = {"message": "Invalid input.", "extra": extra}
    else:
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else exc
        extra = exc.extra if isinstance(exc, BodyRefused) else {}  # what a parser refused
        response.data = {"message": str(detail), "extra": extra}
    return response


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, in UTC: PostgreSQL refuses offsets past ±15:59 that Python takes
    ("+21:44"), and an instant out of range is invalid input, never a server error."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise DjangoValidationError("The instant is out of range.", code="invalid") from None


class InstantFilter(IsoDateTimeFilter):
    """An IsoDateTimeFilter whose value is an instant in UTC (InstantField)."""

    field_class = InstantField
