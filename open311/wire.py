"""GeoReport v2 on the wire: the records of services, service definitions, requests and errors,
and their JSON and XML forms (`<services><service>…`, `<service_requests><request>…`,
`<errors><error>…`). A request's record is built from public fields only: contact data is not
even read here."""

import json
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from open311 import selectors
from open311.catalogue import ASSET_ATTRIBUTE, SERVICES, Service
from open311.models import ServiceRequest

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SERVICE_NOTICE = "Thank you: we aim to repair street lighting faults within 5 working days."


def instant(at) -> str | None:
    """ISO 8601 with the offset, as GeoReport wants (w3 note subset)."""
    return timezone.localtime(at).isoformat(timespec="seconds") if at else None


def service_record(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code.value,
        "service_name": service.name,
        "description": service.description,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(service.keywords),
        "group": service.group,
    }


def services_records() -> list[dict[str, Any]]:
    return [service_record(s) for s in SERVICES.values()]


def service_definition(service: Service) -> dict[str, Any]:
    return {"service_code": service.code.value, "attributes": [ASSET_ATTRIBUTE]}


def request_record(request: ServiceRequest) -> dict[str, Any]:
    service = SERVICES[request.service_code]
    return {
        "service_request_id": request.public_id,
        "status": selectors.geo_status(request).value,
        "status_notes": selectors.status_notes(request),
        "service_name": service.name,
        "service_code": service.code.value,
        "description": request.description or None,
        "agency_responsible": settings.OPEN311_AGENCY,
        "service_notice": SERVICE_NOTICE,
        "requested_datetime": instant(request.created_at),
        "updated_datetime": instant(selectors.updated_at(request)),
        "expected_datetime": None,
        "address": request.address_string or None,
        "address_id": request.asset.device_id if request.asset_id else None,
        "zipcode": None,
        "lat": request.latitude,
        "long": request.longitude,
        "media_url": request.media_url or None,
    }


def created_record(request: ServiceRequest) -> dict[str, Any]:
    """The answer to a POST: the id to follow it by (no token step: requests are realtime)."""
    return {
        "service_request_id": request.public_id,
        "service_notice": SERVICE_NOTICE,
        "account_id": None,
    }


def error_records(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_item(parent: ElementTree.Element, tag: str, record: dict[str, Any]) -> None:
    item = ElementTree.SubElement(parent, tag)
    for key, value in record.items():
        if isinstance(value, list):  # a service definition's attributes
            holder = ElementTree.SubElement(item, key)
            for child in value:
                _xml_item(holder, key.removesuffix("s"), child)
        else:
            ElementTree.SubElement(item, key).text = _xml_value(value)


def to_xml(root: str, tag: str, records: list[dict[str, Any]]) -> bytes:
    element = ElementTree.Element(root)
    for record in records:
        _xml_item(element, tag, record)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


# The XML root and item elements of each answer (GeoReport v2 examples).
XML_SHAPES = {
    "services": ("services", "service"),
    "definition": (None, "service_definition"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def respond(fmt: str, shape: str, body: Any, *, status: int = 200) -> HttpResponse:
    """`body` as JSON, or as GeoReport's XML for `.xml` URLs."""
    if fmt == "xml":
        root, tag = XML_SHAPES[shape]
        if root is None:  # one element: <service_definition>…</service_definition>
            holder = ElementTree.Element("holder")
            _xml_item(holder, tag, body)
            content = ElementTree.tostring(holder[0], encoding="utf-8", xml_declaration=True)
        else:
            content = to_xml(root, tag, body)
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    return HttpResponse(content, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))
