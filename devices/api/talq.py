"""The TALQ 2.7.1 CMS API under /talq/v2/: what a vendor's gateway calls (docs/talq.md).

Plain Django views, CSRF-exempt JSON. Each request: the gateway known by its key
(`Authorization: Bearer <talq_cms_key>`: 401/403), then checked against the vendored CMS
API file (openapi-core: 400 with TALQ's error messages), then served. Every refused request is
kept as a rejected message (topic `talq/<gateway>/<operation>`), as MQTT's are.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from devices.choices import RejectReason
from devices.models import Asset
from devices.protocols.talq.spec import body_errors, json_body, request_errors, talq_error
from devices.selectors.talq import (
    logger_configs,
    talq_device_get,
    talq_device_list,
    talq_groups,
)
from devices.services.rejected import rejected_store
from devices.services.talq import (
    TalqRefused,
    talq_announce,
    talq_devices_write,
    talq_gateway_for,
    talq_log_report_store,
)
from devices.services.talq.gateways import talq_address_check
from devices.wire import Rejected

Handler = Callable[..., HttpResponse]
_REASONS = {401: RejectReason.UNAUTHORISED, 403: RejectReason.NOT_ALLOWED, 400: RejectReason.SCHEMA}


def _errors(status: int, errors: list[dict[str, Any]]) -> JsonResponse:
    return JsonResponse(errors, status=status, safe=False)


def _payload_kept(request: HttpRequest) -> str:
    try:
        return request.body[:4096].decode("utf-8", "replace")
    except RequestDataTooBig:  # not read: larger than DATA_UPLOAD_MAX_MEMORY_SIZE
        return f"({request.META.get('CONTENT_LENGTH', '?')} bytes, not read)"


def _keep(request: HttpRequest, gateway: Asset | None, status: int, errors) -> None:
    """A refused request, kept with its reason (never dropped in silence)."""
    operation = request.path.removeprefix("/talq/v2/").strip("/") or "-"
    who = gateway.device_id if gateway else "unknown"
    rejected_store(
        rejected=[
            Rejected(
                topic=f"talq/{who}/{request.method} {operation}"[:255],
                device_id=gateway.device_id if gateway else "",
                payload=_payload_kept(request),
                reason_code=_REASONS.get(status, RejectReason.OTHER),
                reason=f"{status}: "
                + "; ".join(f"{e['key']}: {e.get('description', '')}" for e in errors),
            )
        ],
        now=timezone.now(),
    )


def talq_endpoint(methods: dict[str, Handler], *, announce: bool = False) -> Handler:
    """A TALQ path: its handlers by method, behind the key, the file's checks and the error
    shape. `announce`: the request that (re)records the gateway's address."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        gateway = None
        try:
            gateway = talq_gateway_for(request.headers.get("Authorization"))
            handler = methods.get(request.method or "")
            if handler is None:
                allowed = ", ".join(methods)
                raise TalqRefused(
                    405, "genericError", f"{request.method} is not served here ({allowed})."
                )
            errors = body_errors(request)
            status, errors = (400, errors) if errors else request_errors(request)
            if errors:
                _keep(request, gateway, status, errors)
                return _errors(status, errors)
            if not announce:
                talq_address_check(gateway=gateway, client_address=request.GET["clientAddress"])
            return handler(request, gateway, **kwargs)
        except TalqRefused as refused:
            _keep(request, gateway, refused.status, refused.errors())
            response = _errors(refused.status, refused.errors())
            if refused.status == 401:
                response["WWW-Authenticate"] = 'Bearer realm="talq"'
            return response

    view.talq_methods = tuple(methods)  # what the contract test walks
    return view


def _client(request: HttpRequest) -> str:
    return request.GET["clientAddress"]


def announce(request: HttpRequest, gateway: Asset) -> HttpResponse:
    talq_announce(gateway=gateway, client_address=_client(request), services=json_body(request))
    return HttpResponse(status=201)


def devices_list(request: HttpRequest, gateway: Asset) -> HttpResponse:
    offset, limit = request.GET.get("offset"), request.GET.get("limit")
    devices, total = talq_device_list(
        gateway=gateway,
        classes=request.GET.getlist("deviceClasses") or None,
        offset=int(offset) if offset is not None else None,
        limit=int(limit) if limit is not None else None,
    )
    response = JsonResponse(devices, safe=False)
    if offset is not None or limit is not None:
        response["pagination-count"] = str(len(devices))
        response["pagination-offset"] = str(max(int(offset or 0), 0))
        response["pagination-totalCount"] = str(total)
        response["pagination-defaultLimit"] = "1000"
    return response


def _writer(mode: str, status: int, *, one: bool = False, body: bool = True) -> Handler:
    def handler(request: HttpRequest, gateway: Asset, deviceAddress: str | None = None):
        devices = json_body(request)
        if one:
            if devices["address"].lower() != str(deviceAddress).lower():
                raise TalqRefused(
                    400, "payloadError", "The body's address is not the device of the path."
                )
            devices = [devices]
        written = talq_devices_write(gateway=gateway, devices=devices, mode=mode)
        if not body:
            return HttpResponse(status=status)
        return JsonResponse(written[0] if one else written, status=status, safe=False)

    return handler


def _device(gateway: Asset, address: str) -> dict[str, Any]:
    device = talq_device_get(gateway=gateway, address=address)
    if device is None:
        raise TalqRefused(404, "resourceNotFound", f"No device {address} of this gateway.")
    return device


def device_get(request: HttpRequest, gateway: Asset, deviceAddress: str) -> HttpResponse:
    return JsonResponse(_device(gateway, deviceAddress))


def _function(gateway: Asset, address: str, function_id: str) -> dict[str, Any]:
    for function in _device(gateway, address).get("functions", []):
        if function.get("id") == function_id:
            return function
    raise TalqRefused(404, "resourceNotFound", f"Device {address} has no function {function_id!r}.")


def function_get(request, gateway, deviceAddress: str, functionId: str) -> HttpResponse:
    return JsonResponse(_function(gateway, deviceAddress, functionId))


def attribute_get(request, gateway, deviceAddress, functionId, attributeName) -> HttpResponse:
    value = _function(gateway, deviceAddress, functionId).get(attributeName)
    if not isinstance(value, dict):
        raise TalqRefused(
            404,
            "resourceNotFound",
            f"Function {functionId!r} holds no attribute {attributeName!r}.",
        )
    return JsonResponse(value)


def log_report(request: HttpRequest, gateway: Asset) -> HttpResponse:
    talq_log_report_store(gateway=gateway, report=json_body(request))
    return HttpResponse(status=201)


def logger_config(request: HttpRequest, gateway: Asset, loggerAddress: str) -> HttpResponse:
    config = logger_configs().get(loggerAddress)
    if config is None:
        raise TalqRefused(404, "resourceNotFound", f"No logger config {loggerAddress!r}.")
    return JsonResponse(config)


def groups(request: HttpRequest, gateway: Asset) -> HttpResponse:
    return JsonResponse(talq_groups(gateway=gateway), safe=False)


def group(request: HttpRequest, gateway: Asset, groupAddress: str) -> HttpResponse:
    for found in talq_groups(gateway=gateway):
        if found["address"] == groupAddress:
            return JsonResponse(found)
    raise TalqRefused(404, "resourceNotFound", f"No group {groupAddress!r}.")


def data_packages(request: HttpRequest, gateway: Asset) -> HttpResponse:
    return JsonResponse([], safe=False)  # the platform transfers no vendor packages


def data_package(request: HttpRequest, gateway: Asset, packageAddress: str) -> HttpResponse:
    raise TalqRefused(404, "resourceNotFound", f"No data package {packageAddress!r}.")


@csrf_exempt
def not_served(request: HttpRequest, rest: str = "") -> HttpResponse:
    """A path of the CMS API the platform does not serve (asset types, device classes…), or
    none of the file's."""
    return _errors(404, [talq_error("resourceNotFound", f"/talq/v2/{rest} is not served here.")])
