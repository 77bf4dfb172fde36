"""Helpers of the TALQ tests: a gateway asset, TALQ requests through Django's test client, and
every response checked against the vendored CMS API file (openapi-core)."""

import json
import uuid

from django.test import Client
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from devices.protocols.talq.spec import cms_api
from tests.devices.registry_factories import make_controller

CMS_KEY = "cms-key-of-the-north-gateway-0123456789"
GATEWAY_KEY = "gateway-key-the-platform-sends-9876543210"
GATEWAY_ADDRESS = "5c1f3e2a-8d4b-4a6e-9f10-2b3c4d5e6f70"


def make_talq_gateway(device_id="talq-gw-north", cms_key=CMS_KEY, lat=51.5, lon=-0.12):
    return make_controller(
        device_id,
        lat,
        lon,
        details={
            "protocol": "talq",
            "endpoint_url": "https://gateway.example.net/talq/v2",
            "talq_gateway_key": GATEWAY_KEY,
            "talq_cms_key": cms_key,
        },
    )


def response_problems(response) -> list[str]:
    """What is wrong with a response, as the CMS API's file defines it (none: [])."""
    result = cms_api().unmarshal_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )
    return [f"{e}: {getattr(e, '__cause__', '')}" for e in result.errors]


class Talq:
    """A gateway calling the platform's CMS API; each answer validated against the file."""

    def __init__(
        self, key: str | None = CMS_KEY, address: str = GATEWAY_ADDRESS, *, check: bool = True
    ):
        self.client, self.key, self.address = Client(), key, address
        self.check = check  # off in the benchmark: the answer's check is not the server's time

    def call(self, method: str, path: str, body=None, *, params=None, headers=None, raw=None):
        query = {"clientAddress": self.address, "talqRequestId": str(uuid.uuid4())}
        query.update(params or {})
        extra = {"HTTP_TALQ_API_VERSION": "2.7.1"}
        if self.key is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.key}"
        extra.update(headers or {})
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        url = f"/talq/v2/{path}?" + "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        response = self.client.generic(
            method, url, data=data, content_type="application/json", **extra
        )
        if self.check and response.status_code not in (
            401,
            403,
            405,
        ):  # not statuses the file defines
            assert response_problems(response) == [], (response.status_code, response.content)
        return response

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.call("POST", path, body, **kwargs)


def lamp(address: str, name: str = "Lamp", lat: float | None = None, lon: float | None = None):
    functions = [
        {
            "id": "basic",
            "type": "BasicFunction",
            "serial": {"type": "AttributeString", "value": "SN-" + address[:8]},
        },
        {"id": "act", "type": "LampActuatorFunction"},
        {"id": "mon", "type": "LampMonitorFunction"},
    ]
    if lat is not None:
        functions.append(
            {
                "id": "loc",
                "type": "LocationSensorFunction",
                "location": {
                    "type": "AttributeLocation",
                    "value": {"latitude": lat, "longitude": lon},
                },
            }
        )
    return {"address": address, "name": name, "class": "vendor-luminaire", "functions": functions}


def attribute(src: str, name: str, value, ts: str, kind: str = "AttributeFloat") -> dict:
    return {
        "data": {
            "type": "AttributeLogData",
            "srcAddress": src,
            "timestamp": ts,
            "attributeName": name,
            "attributeValue": {"type": kind, "value": value, "timestamp": ts},
        }
    }


def event(src: str, event_type: str, start: bool, ts: str) -> dict:
    return {
        "data": {
            "type": "EventLogData",
            "srcAddress": src,
            "timestamp": ts,
            "eventType": event_type,
            "startEndFlag": start,
        }
    }
