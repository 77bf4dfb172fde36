"""NGSI-LD endpoints: entities (read) and subscriptions. Token or session auth and the role
check as the REST API; the bodies are the standard's (not the platform's error form), so they
stay out of the DRF OpenAPI schema."""

import json

from django.conf import settings
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from cityplatform.json_input import JsonRefused, json_loads_bounded
from cityplatform.permissions import ACCESS_PLATFORM
from ngsi import entities, subscriptions
from ngsi.query import NgsiError, entity_get, parse, run

LD_JSON = "application/ld+json"
LINK = f'<{entities.CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="{LD_JSON}"'


def _media(request) -> str:
    accept = request.META.get("HTTP_ACCEPT") or "*/*"
    if LD_JSON in accept:
        return LD_JSON
    if "application/json" in accept or "*/*" in accept or "application/*" in accept:
        return "application/json"
    raise NgsiError("NotAcceptable", f"Cannot answer {accept!r}: application/json or ld+json.", 406)


def _render(request, body, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    media = _media(request)
    if media == LD_JSON and status < 400:
        items = body if isinstance(body, list) else [body]
        for item in items:
            item["@context"] = entities.CONTEXTS
    response = HttpResponse(json.dumps(body), status=status, content_type=media)
    if media == "application/json" and status < 400:
        response["Link"] = LINK
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(error: NgsiError) -> HttpResponse:
    return HttpResponse(
        json.dumps(error.body()), status=error.status, content_type="application/json"
    )


class NgsiView(APIView):
    schema = None  # its own standard (ETSI GS CIM 009), not the platform's OpenAPI

    def perform_content_negotiation(self, request, force=False):
        # The media type is chosen by `_media` (application/ld+json or application/json, or
        # NGSI-LD's own 406): DRF's negotiation knows neither and would refuse ld+json.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def handle_exception(self, exc):
        if isinstance(exc, NgsiError):
            return _error(exc)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = _error(NgsiError("NotAuthenticated", str(exc.detail), 401))
            response["WWW-Authenticate"] = "Token"
            return response
        if isinstance(exc, exceptions.PermissionDenied):
            return _error(NgsiError("PermissionDenied", str(exc.detail), 403))
        if isinstance(exc, exceptions.APIException):
            return _error(NgsiError("BadRequestData", str(exc.detail), exc.status_code))
        raise exc


class EntityListView(NgsiView):
    def get(self, request):
        query = parse(request.query_params)
        wants_count = request.query_params.get("count") == "true"
        page, count = run(query, with_count=wants_count)
        if "keyValues" not in request.query_params.get("options", "").split(","):
            page = [entities.normalise(e) for e in page]
        if query.attrs:
            keep = {"id", "type", *query.attrs}
            page = [{k: v for k, v in e.items() if k in keep} for e in page]
        headers = {}
        if wants_count:
            headers["NGSILD-Results-Count"] = str(count)
        return _render(request, page, headers=headers)


class EntityDetailView(NgsiView):
    def get(self, request, entity_id: str):
        entity = entity_get(entity_id)
        if "keyValues" not in request.query_params.get("options", "").split(","):
            entity = entities.normalise(entity)
        return _render(request, entity)


class TypeListView(NgsiView):
    def get(self, request):
        body = {
            "id": "urn:ngsi-ld:EntityTypeList:platform",
            "type": "EntityTypeList",
            "typeList": list(entities.TYPES),
        }
        return _render(request, body)


def _body(request):
    media = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip()
    if media not in ("application/json", LD_JSON):
        raise NgsiError(
            "UnsupportedMediaType",
            f"Send the subscription as application/json or {LD_JSON}, not {media or 'nothing'}.",
            415,
        )
    try:
        return json_loads_bounded(request.body, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except JsonRefused as refused:
        raise NgsiError(
            "InvalidRequest", f"The body is refused, not JSON the platform reads: {refused}"
        ) from None


class SubscriptionListView(NgsiView):
    """GET the caller's subscriptions (an administrator: all), POST a new one (201 + Location)."""

    permission_map = {"*": ACCESS_PLATFORM}  # who may read entities may subscribe to them

    def get(self, request):
        limit = _limit(request.query_params)
        subs = [subscriptions.render(s) for s in subscriptions.visible(request.user)[:limit]]
        return _render(request, subs)

    def post(self, request):
        sub = subscriptions.subscription_create(user=request.user, body=_body(request))
        response = HttpResponse(status=201)
        response["Location"] = f"/ngsi-ld/v1/subscriptions/{sub.id}"
        return response


class SubscriptionDetailView(NgsiView):
    permission_map = {"*": ACCESS_PLATFORM}

    def get(self, request, sub_id: str):
        sub = subscriptions.subscription_get(user=request.user, sub_id=sub_id)
        return _render(request, subscriptions.render(sub))

    def patch(self, request, sub_id: str):
        subscriptions.subscription_update(user=request.user, sub_id=sub_id, body=_body(request))
        return HttpResponse(status=204)

    def delete(self, request, sub_id: str):
        subscriptions.subscription_delete(user=request.user, sub_id=sub_id)
        return HttpResponse(status=204)


def _limit(params) -> int:
    raw = params.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise NgsiError("BadRequestData", f"limit must be an integer from 1 to 1000, not {raw!r}.")
    return int(raw)
