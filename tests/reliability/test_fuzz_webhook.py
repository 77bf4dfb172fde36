"""Fuzzing the signed VMS webhook (POST /api/v1/cctv/events/ingest/, docs/cctv.md): whatever the
body, headers and signature, never a 5xx; every input is either stored (201, or 200 for an event
already known) or rejected with a reason (a 4xx with a message); count in = stored + rejected,
and the database holds exactly what the answers say.

Each input is one request: 100,000 under RELIABILITY_FULL=1 (`make reliability`), a few hundred
in `make test`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from cctv.models import Event, WebhookReceipt
from cctv.services.sources import source_create
from devices.choices import AssetKind
from devices.models import Asset, CameraDetails
from tests.reliability.conftest import size
from tests.reliability.strategies import EVENT, GARBAGE, JSON_VALUE, maybe_bad

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

URL = "/api/v1/cctv/events/ingest/"
INPUTS = size(300, 100_000)
CAMERAS = ["CAM-W1", "CAM-W2"]
SOURCE = "milestone"

# --- strategies -------------------------------------------------------------------------------

WEBHOOK_EVENT = st.builds(
    lambda event, camera: {**event, **({} if camera is None else {"camera": camera})},
    EVENT,
    st.one_of(
        st.sampled_from(CAMERAS),
        st.sampled_from(CAMERAS),
        st.none(),
        maybe_bad(st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)),
    ),
)
# Mostly well-formed events (so that many are stored), also known ids again (duplicates).
GOOD_EVENT = st.fixed_dictionaries(
    {
        "camera": st.sampled_from(CAMERAS),
        "id": st.text(min_size=1, max_size=40),
        "ts": st.one_of(
            st.floats(min_value=1.6e9, max_value=1.9e9),
            st.datetimes(
                min_value=datetime(2000, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.just(UTC),
            ).map(lambda d: d.isoformat()),
        ),
        "type": st.sampled_from(["intrusion", "motion", "loitering", "face", "tamper", "zzz"]),
    },
    optional={
        "confidence": st.floats(min_value=0, max_value=1),
        "count": st.integers(min_value=0, max_value=50),
        "attributes": st.dictionaries(
            st.sampled_from(["face", "person_name", "rule", "colour"]), JSON_VALUE, max_size=3
        ),
        "zones": st.lists(st.text(max_size=10), max_size=3),
        "end_ts": st.one_of(st.none(), st.floats(min_value=1.6e9, max_value=1.9e9)),
    },
)


def _dumps(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


BODY = st.one_of(
    GOOD_EVENT.map(_dumps),
    GOOD_EVENT.map(_dumps),
    WEBHOOK_EVENT.map(_dumps),
    WEBHOOK_EVENT.map(lambda e: json.dumps(e, ensure_ascii=False, indent=1).encode()),
    GARBAGE,
)


@dataclass(frozen=True)
class Request:
    body: bytes
    source: str | None  # None: no header
    timestamp: str  # a kind, rendered when sent: "now", "iso", "stale", "future", or literal
    signature: str  # "valid", "upper", "bare", "other-body", "wrong-secret", or literal
    replay: bool  # send again a request that was accepted before, if any


REQUEST = st.builds(
    Request,
    body=BODY,
    source=st.one_of(
        st.just(SOURCE), st.just(SOURCE), st.just(SOURCE), st.none(), st.text(max_size=20)
    ),
    timestamp=st.one_of(
        st.sampled_from(["now", "now", "now", "iso", "stale", "future", ""]),
        st.text(max_size=30).map(lambda t: f"literal:{t}"),
    ),
    signature=st.one_of(
        st.sampled_from(["valid"] * 5 + ["upper", "bare", "other-body", "wrong-secret", ""]),
        st.text(max_size=80).map(lambda t: f"literal:{t}"),
    ),
    replay=st.integers(0, 19).map(lambda n: n == 0),
)

# --- the run ----------------------------------------------------------------------------------


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def render(request: Request, secret: str) -> dict[str, str]:
    """The request's headers, with the time stamp taken now."""
    now = datetime.now(UTC)
    timestamp = {
        "now": str(int(now.timestamp())),
        "iso": now.isoformat(),
        "stale": str(int((now - timedelta(minutes=6)).timestamp())),
        "future": (now + timedelta(minutes=6)).isoformat(),
        "": "",
    }.get(request.timestamp, request.timestamp.removeprefix("literal:"))
    valid = _hmac(secret, timestamp.encode() + b"." + request.body)  # the timestamped form
    signature = {
        "valid": f"sha256={valid}",
        "upper": f"sha256={valid.upper()}",
        "bare": valid,
        "other-body": f"sha256={_hmac(secret, request.body + b' ')}",
        "wrong-secret": f"sha256={_hmac('not the secret', request.body)}",
        "": "",
    }.get(request.signature, request.signature.removeprefix("literal:"))
    headers = {"HTTP_X_TIMESTAMP": timestamp, "HTTP_X_SIGNATURE": signature}
    if request.source is not None:
        headers["HTTP_X_SOURCE"] = request.source
    # Django's test client sends header values as given; a real server takes only latin-1.
    return {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}


def authentic(request: Request) -> bool:
    return (
        request.source == SOURCE
        and request.timestamp in {"now", "iso"}
        and request.signature in {"valid", "upper"}
    )


@pytest.fixture
def webhook(monkeypatch):
    """The source, two cameras with an allowlist, and no rate limit (the limit has its own
    test in tests/security)."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "webhook", None)
    for device_id in CAMERAS:
        camera = Asset.objects.create(
            device_id=device_id, kind=AssetKind.CAMERA, latitude=51.5, longitude=-0.09
        )
        CameraDetails.objects.create(
            asset=camera, analytics_allowlist=["intrusion", "motion"], purpose="Public safety"
        )
    _, secret = source_create(name=SOURCE, description="fuzzed", cameras=CAMERAS, actor="test")
    return secret


def test_every_webhook_input_is_stored_or_rejected_with_a_reason(webhook):
    secret = webhook
    client = APIClient(raise_request_exception=True)  # an exception in the view fails the test
    tally = {"stored": 0, "duplicate": 0, "rejected": 0}
    accepted: list[tuple[bytes, dict]] = []

    @settings(
        max_examples=INPUTS,
        deadline=None,
        database=None,  # the examples depend on the rows this test made
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(REQUEST)
    def send(request: Request):
        replayed = request.replay and accepted
        if replayed:
            body, headers = accepted[-1]
        else:
            body, headers = request.body, render(request, secret)
        response = client.generic("POST", URL, body, content_type="application/json", **headers)
        status = response.status_code
        answer = response.json() if response.get("Content-Type") == "application/json" else None
        where = f"{status} for {body[:300]!r} with {headers}: {answer}"
        assert status < 500, where
        if status in (200, 201):
            assert not replayed and authentic(request), f"accepted without authenticity: {where}"
            # A new event names its id; "already known" may not (docs/cctv.md).
            assert isinstance(answer["event"], int) or status == 200, where
            assert answer["stored"] is (status == 201) and answer["duplicate"] is (status == 200)
            tally["stored" if status == 201 else "duplicate"] += 1
            accepted.append((body, headers))
        else:
            assert status in (400, 401, 409), where
            assert answer and isinstance(answer.get("message"), str) and answer["message"], where
            if replayed:
                assert status == 409, where
            tally["rejected"] += 1

    send()
    inputs = sum(tally.values())
    assert inputs >= INPUTS * 0.9  # hypothesis may stop early only when it has run out of ideas
    assert tally["stored"] + tally["duplicate"] + tally["rejected"] == inputs
    assert tally["stored"] > 0 and tally["rejected"] > 0, tally
    # The database holds what the answers said: one event per 201, one receipt per acceptance.
    assert Event.objects.count() == tally["stored"]
    assert WebhookReceipt.objects.count() == tally["stored"] + tally["duplicate"]
