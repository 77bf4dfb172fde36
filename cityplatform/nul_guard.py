"""PostgreSQL text cannot hold the NUL character (U+0000): a request carrying one in its URL or
in its JSON, form or multipart body is refused with a 400 at the edge, never a 500 from the
database halfway through the work.

The middleware guards paths and query strings (a path parameter or a filter is looked up before
any serializer sees it); the parsers guard the decoded body, so a JSON "\\u0000" escape is
caught as surely as a raw byte.

JSON from outside the API (an MQTT payload, a webhook body) goes through `loads_storable`, which
also refuses what Python's json module accepts but PostgreSQL's jsonb does not: NaN and
Infinity (not JSON at all) and lone surrogates ("\\ud800", not Unicode).
"""

import json
from collections.abc import Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import JsonResponse
from rest_framework import exceptions, parsers

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


def refuse_constant(name: str):
    """`parse_constant` for json.loads: NaN, Infinity and -Infinity are not JSON (RFC 8259)."""
    raise ValueError(f"{name} is not a JSON number")


def lone_surrogate(value: Any) -> bool:
    """Whether any string in `value` (nested dicts and lists) holds a lone surrogate."""
    if isinstance(value, str):
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, Mapping):
        return any(lone_surrogate(key) or lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(lone_surrogate(item) for item in value)
    return False


def loads_storable(data: bytes | str) -> Any:
    """Parses JSON as PostgreSQL can store it, else ValueError saying why: not JSON (NaN and
    Infinity included), a NUL character, or a lone surrogate."""
    value = json.loads(data, parse_constant=refuse_constant)
    # An ASCII payload can only carry either as a \\u escape (the parser refuses a raw NUL
    # in a string), so most payloads skip the walk. (Bytes are decoded with surrogatepass.)
    if data.isascii() and (b"\\u" if isinstance(data, bytes) else "\\u") not in data:
        return value
    if contains_nul(value):
        raise ValueError("a NUL character (\\u0000) in a string")
    if lone_surrogate(value):
        raise ValueError("a lone surrogate: text that is not valid Unicode")
    return value


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


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _checked(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _checked(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _checked(super().parse(stream, media_type, parser_context))
