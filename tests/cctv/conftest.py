"""Fixtures of the cctv tests: a zone, cameras with a purpose and an allowlist, lights, events,
and a way to run what happens after the commit (live messages, the alarm task) in-process."""

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from cctv.services.ingest import events_ingest
from cityplatform.celery import app as celery_app
from devices.choices import AssetKind, ZoneKind
from devices.events import DeviceEvent
from devices.models import Asset, CameraDetails, CameraLight, Zone
from tests.devices.gateway_helpers import gateway, peer, prefix  # noqa: F401 (fixtures)

ALLOWLIST = [
    "motion",
    "intrusion",
    "line_crossing",
    "loitering",
    "crowd",
    "person_down",
    "vulnerable_person",
    "person",
]


@pytest.fixture(autouse=True)
def eager_tasks():
    """Tasks run in-process (the alarm task after commit) in these tests."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def zone(db):
    return Zone.objects.create(name="Cheapside", kind=ZoneKind.STREET)


@pytest.fixture
def high_risk_zone(db):
    return Zone.objects.create(name="Blackfriars Bridge", kind=ZoneKind.HIGH_RISK_SITE)


@pytest.fixture
def make_camera(db, zone):
    counter = iter(range(100, 1000))

    def make(
        device_id: str | None = None,
        *,
        zone=zone,
        purpose="Public safety on Cheapside",
        allowlist=ALLOWLIST,
        frigate="",
        latitude=51.5138,
        longitude=-0.0940,
    ) -> Asset:
        camera = Asset.objects.create(
            device_id=device_id or f"CAM-{next(counter):03d}",
            kind=AssetKind.CAMERA,
            name="Cheapside east",
            latitude=latitude,
            longitude=longitude,
            zone=zone,
        )
        CameraDetails.objects.create(
            asset=camera,
            analytics_allowlist=list(allowlist),
            purpose=purpose,
            review_due=date.today() + timedelta(days=180),
            frigate_camera=frigate,
        )
        return camera

    return make


@pytest.fixture
def camera(make_camera):
    return make_camera("CAM-001")


@pytest.fixture
def lights(db, camera, zone):
    """Three lights linked to the camera and one far away in the same zone."""
    made = []
    for index in range(4):
        light = Asset.objects.create(
            device_id=f"SL-{index:04d}",
            kind=AssetKind.STREETLIGHT,
            latitude=51.5138 + 0.0001 * index,
            longitude=-0.0940,
            zone=zone,
        )
        if index < 3:
            CameraLight.objects.create(camera=camera, light=light, distance_m=10.0 * (index + 1))
        made.append(light)
    return made


def device_event(
    camera: Asset | str,
    event_id: str = "ev-1",
    *,
    type: str = "intrusion",
    ts: datetime | None = None,
    source: str = "mqtt",
    confidence: float | None = 0.9,
    **more,
) -> DeviceEvent:
    return DeviceEvent(
        device_id=camera if isinstance(camera, str) else camera.device_id,
        event_id=event_id,
        ts=ts or timezone.now(),
        type=type,
        source=source,
        confidence=confidence,
        **more,
    )


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    """ingest(events) → IngestResult, with the after-commit work (alarm rules) run."""

    def run(events, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return events_ingest(list(events), **kwargs)

    return run


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """X-Signature of `timestamp + "." + body`, or of the body alone (the deprecated form)."""
    signed = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_headers(
    source: str, secret: str, body: bytes, *, at: datetime | None = None, legacy: bool = False
):
    """Headers of a signed webhook request: the timestamped signature, or with `legacy` the
    deprecated body-only one."""
    timestamp = str(int((at or datetime.now(UTC)).timestamp()))
    return {
        "HTTP_X_SOURCE": source,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": sign(secret, body, None if legacy else timestamp),
    }


def body_of(payload: dict) -> bytes:
    return json.dumps(payload).encode()
