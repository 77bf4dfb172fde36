"""The TALQ CMS API against its vendored file: the files are the consortium's (sums), every
operation the platform serves is one of the file's, and each answers inside the file (status,
content type, body: checked by tests/devices/talq_helpers.py on every call)."""

import hashlib
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from devices.protocols.talq.spec import SPEC_DIR, cms_api
from tests.devices.talq_helpers import Talq, attribute, event, lamp, make_talq_gateway

SUMS = re.compile(r"\| `([^`]+)` \| .*? \| `([0-9a-f]{64})` \|")


def test_the_vendored_files_are_the_published_ones():
    listed = dict(SUMS.findall((SPEC_DIR / "README.md").read_text()))
    assert set(listed) == {
        "talq-api-cms-2-7-1-online.json",
        "talq-api-gateway-2-7-1-online.json",
        "talq-data-model-2-7-1-online.json",
        "LICENSE",
    }
    for name, digest in listed.items():
        assert hashlib.sha256((SPEC_DIR / name).read_bytes()).hexdigest() == digest, name


def served_operations() -> set[tuple[str, str]]:
    """(method, path as the file writes it) of every TALQ operation in the URL conf."""
    (talq,) = [p for p in get_resolver().url_patterns if str(p.pattern) == "talq/v2/"]
    assert isinstance(talq, URLResolver)
    found = set()
    for pattern in talq.url_patterns:
        assert isinstance(pattern, URLPattern)
        methods = getattr(pattern.callback, "talq_methods", ())
        path = "/" + re.sub(r"<str:(\w+)>", r"{\1}", str(pattern.pattern))
        found |= {(m.lower(), path) for m in methods}
    return found


def test_every_served_operation_is_one_of_the_files():
    paths = cms_api().spec / "paths"
    for method, path in served_operations():
        assert path in paths and method in paths / path, (method, path)


@pytest.mark.django_db
def test_each_served_operation_answers_inside_the_file():
    make_talq_gateway()
    talq = Talq()
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    ts = "2026-12-07T18:00:00Z"
    calls = [
        ("post", "/services", lambda: talq.post("services", [{"name": "DataCollectService"}])),
        ("post", "/devices", lambda: talq.post("devices", [lamp(a), lamp(b)])),
        ("get", "/devices", lambda: talq.get("devices")),
        ("put", "/devices", lambda: talq.call("PUT", "devices", [lamp(b, "B")])),
        ("patch", "/devices", lambda: talq.call("PATCH", "devices", [lamp(b, "B2")])),
        ("get", "/devices/{deviceAddress}", lambda: talq.get(f"devices/{a}")),
        ("put", "/devices/{deviceAddress}", lambda: talq.call("PUT", f"devices/{a}", lamp(a))),
        ("patch", "/devices/{deviceAddress}", lambda: talq.call("PATCH", f"devices/{a}", lamp(a))),
        ("get", "/devices/{deviceAddress}/{functionId}", lambda: talq.get(f"devices/{a}/mon")),
        (
            "get",
            "/devices/{deviceAddress}/{functionId}/{attributeName}",
            lambda: talq.get(f"devices/{a}/basic/serial"),
        ),
        (
            "post",
            "/log-reports",
            lambda: talq.post(
                "log-reports",
                {
                    "address": "cms-values",
                    "entries": [
                        attribute(f"{a}/mon", "activePower", 5.0, ts),
                        event(f"{a}/mon", "supplyLoss", True, ts),
                    ],
                },
            ),
        ),
        ("get", "/logger-configs/{loggerAddress}", lambda: talq.get("logger-configs/cms-values")),
        ("get", "/groups", lambda: talq.get("groups")),
        ("get", "/groups/{groupAddress}", lambda: talq.get("groups/zone-0")),
        ("get", "/data-packages", lambda: talq.get("data-packages")),
        ("get", "/data-packages/{packageAddress}", lambda: talq.get("data-packages/p1")),
    ]
    assert {(m, p) for m, p, _ in calls} == served_operations()
    for method, path, call in calls:
        response = call()  # checked against the file inside Talq.call
        assert response.status_code < 500, (method, path)
        assert response.status_code in (200, 201, 404), (method, path, response.content)


@pytest.mark.django_db
def test_a_path_the_platform_does_not_serve_is_a_talq_404():
    make_talq_gateway()
    response = Talq().client.get("/talq/v2/lamp-types")
    assert response.status_code == 404
    assert response.json()[0]["key"] == "resourceNotFound"
