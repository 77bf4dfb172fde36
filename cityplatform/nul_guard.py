"""PostgreSQL text cannot hold the NUL character (U+0000): a request carrying one in its URL or
in its JSON, form or multipart body is refused with a 400 at the edge, never a 500 from the
database halfway through the work.

The middleware guards paths and query strings (a path parameter or a filter is looked up before
any serializer sees it); the parsers guard the decoded body, so a JSON "\\u0000" escape is
caught as surely as a raw byte.

A JSON body goes through `cityplatform.json_input.json_loads_bounded`, the loader of every JSON
input from outside (MQTT payloads, webhook bodies, WebSocket frames too): its size and nesting
depth are bounded before it is parsed, and NaN, Infinity, numbers out of range and lone
surrogates ("\\ud800", not Unicode) are refused as well as the NUL character.
"""

from collections.abc import Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import JsonResponse
from rest_framework import exceptions, parsers, status

from cityplatform.json_input import JsonRefused, NotJson, Nul, TooLarge, json_loads_bounded

NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."


def contains_nul(value: Any) -> bool:
    """Whether any string in `value` (nested dicts, lists, a QueryDict's lists) holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        items = value.lists() if hasattr(value, "lists") else value.items()
        return any(contains_nul(key) or contains_nul(item) for key, item in items)
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def _refused(request) -> JsonResponse | None:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return JsonResponse({"message": NUL_MESSAGE, "extra": {}}, status=400)
    return None


class NulGuardMiddleware:
    """Refuses a URL holding a NUL; works in the sync and the async (ASGI) stack alike."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return _refused(request) or self.get_response(request)

    async def __acall__(self, request):
        return _refused(request) or await self.get_response(request)


def _checked(data):
    if contains_nul(getattr(data, "data", data)):  # DataAndFiles for multipart
        raise exceptions.ParseError(NUL_MESSAGE)
    return data


class BodyRefused(exceptions.ParseError):
    """A request body refused before it reached a view; `extra` says what for programs (the
    exception handler renders it in the one error form)."""

    def __init__(self, message: str, *, label: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(message)
        self.extra = {"body": label}
        self.status_code = status_code


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on `json_loads_bounded`: a body too large (DATA_UPLOAD_MAX_MEMORY_SIZE),
    too deep, not JSON or not storable is a 4xx in the one error form, with `{"body": <label>}`
    in `extra` (a NUL is said as the form parsers say it), never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        charset = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        if charset.lower().replace("-", "").replace("_", "") != "utf8":
            try:
                raw = raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                raise BodyRefused(
                    f"The body is not valid JSON in {charset}.", label=NotJson.label
                ) from None
        try:
            return json_loads_bounded(raw, max_bytes=limit)
        except Nul:
            raise exceptions.ParseError(NUL_MESSAGE) from None
        except JsonRefused as error:
            raise BodyRefused(
                f"The JSON body is refused: {error.message}.",
                label=error.label,
                status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
                if isinstance(error, TooLarge)
                else status.HTTP_400_BAD_REQUEST,
            ) from None


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _checked(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _checked(super().parse(stream, media_type, parser_context))
