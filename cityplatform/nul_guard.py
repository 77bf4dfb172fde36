"""PostgreSQL text cannot hold the NUL character (U+0000): a request carrying one in its URL or
in its JSON, form or multipart body is refused with a 400 at the edge, never a 500 from the
database halfway through the work.

The middleware guards paths and query strings (a path parameter or a filter is looked up before
any serializer sees it); the parsers guard the decoded body, so a JSON "\\u0000" escape is
caught as surely as a raw byte.
"""

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
