"""API conventions: one error type and format, pagination, ids and integers in filters.

Every answer under /api/ is JSON: DRF's errors through `exception_handler`, and what Django
answers before or around a view (an unknown route, a body too large, a suspicious request, an
unexpected error) through the handlers below (handler404 & co in cityplatform/urls.py) and
`BodyLimitMiddleware`; pages get HTML error pages in the site's layout
(`cityplatform.error_pages`, drawn by the pages' app).
"""

import logging
from datetime import UTC, date
from typing import Any

import django_filters
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cityplatform.error_pages import error_page
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
    if isinstance(exc, RequestDataTooBig):
        return Response(too_big_body(settings.DATA_UPLOAD_MAX_MEMORY_SIZE), status=413)
    if isinstance(exc, SuspiciousOperation):  # too many fields, a bad multipart boundary, …
        return Response({"message": str(exc) or "Bad request.", "extra": {}}, status=400)
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


class IdField(forms.IntegerField):
    """A database id in a query parameter, read by `parse_id`: `1e20`, `0.5` or a number past
    bigint is invalid input (a 400 naming the parameter), never a database error."""

    default_error_messages = {"invalid": f"Enter an id: a whole number from 1 to {MAX_ID}."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = parse_id(str(value).strip())
        if parsed is None:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdFilter(django_filters.NumberFilter):
    """A filter on an id (IdField): `?zone=…`, `?parent=…`."""

    field_class = IdField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the column's range (django-filter's NumberFilter takes a decimal:
    `?priority=1e20` reached the database)."""

    field_class = forms.IntegerField


def _column_range(field: models.Field) -> dict[str, int]:
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return {"min_value": low, "max_value": high}


class FilterSet(RestFilterSet):
    """The project's FilterSet: integer columns filter through IntegerFilter bounded by the
    column's range, ids through IdFilter (the filters `filterset_fields` generates, and the
    FilterSets the apps declare)."""

    FILTER_DEFAULTS = {
        **RestFilterSet.FILTER_DEFAULTS,
        **{
            integer: {"filter_class": IntegerFilter, "extra": _column_range}
            for integer in (
                models.SmallIntegerField,
                models.IntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
            )
        },
        models.AutoField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend building `filterset_fields` on the project's FilterSet."""

    filterset_base = FilterSet


# --- Answers outside DRF: JSON under /api/, Django's pages elsewhere ---------------------------

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status_code: int, message: str, extra: dict | None = None) -> JsonResponse:
    return JsonResponse({"message": message, "extra": extra or {}}, status=status_code)


def too_big_body(limit: int) -> dict[str, Any]:
    """The body of a 413."""
    message = f"The request body is larger than {limit} bytes."
    return {"message": message, "extra": {"max_bytes": limit}}


def body_limit(request: HttpRequest) -> int:
    """The largest body a request may send: UPLOAD_MAX_BYTES for multipart (files: the CSV
    import), DATA_UPLOAD_MAX_MEMORY_SIZE for everything else (JSON, forms)."""
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _body_refused(request: HttpRequest) -> HttpResponse | None:
    if not _is_api(request):
        return None
    raw = request.META.get("CONTENT_LENGTH") or "0"
    if not raw.isascii() or not raw.isdigit():
        return error_response(400, "Content-Length must be a number of bytes.")
    limit = body_limit(request)
    if int(raw) > limit:
        return JsonResponse(too_big_body(limit), status=413)
    return None


class BodyLimitMiddleware:
    """Refuses an /api/ request whose Content-Length is over its limit with a JSON 413, before
    anything reads the body (DRF's JSON parser reads the stream without Django's limit). Works
    in the sync and the async (ASGI) stack alike."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return _body_refused(request) or self.get_response(request)

    async def __acall__(self, request: HttpRequest):
        return _body_refused(request) or await self.get_response(request)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: no route (`/api/v1/zones/0.5/`, `/api/v1/nothing/`) is a JSON 404 under /api/."""
    if _is_api(request):
        return error_response(404, "Not found.", {"path": request.path})
    return error_page(request, 404, exception, lambda: defaults.page_not_found(request, exception))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a suspicious request (a body too large for Django, too many fields)."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(too_big_body(body_limit(request)), status=413)
        return error_response(400, "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403 (CSRF failures have their own view, CSRF_FAILURE_VIEW)."""
    if _is_api(request):
        return error_response(403, str(exception) or "Permission denied.")
    return error_page(
        request, 403, exception, lambda: defaults.permission_denied(request, exception)
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: still the one error form under /api/ (and logged by Django, as ever)."""
    if _is_api(request):
        return error_response(500, "Server error: it is logged; please report it.")
    return error_page(request, 500, None, lambda: defaults.server_error(request))
