"""schemathesis against the platform's own OpenAPI schema (/api/schema/), signed in as each role
(and anonymous): no 5xx, and every answer inside the schema (a documented status code, the
documented content type, a body matching the documented schema).

The WSGI application is called in-process, on the test's database, which holds a small city
(`city`): a zone, one asset of each kind, an open fault and maintenance, an alarm nobody is
assigned, an override and its commands, so that lists and details answer with real rows, nulls
included (an empty database let `assignee: null` and `completed_at: null` pass unseen). Each
operation gets a few generated requests in `make test` and many more under RELIABILITY_FULL=1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cctv.models import Alarm
from cctv.services.emergency_alarms import alarm_raise_emergency
from cctv.services.ingest import events_ingest
from cctv.services.rules import alarm_rule_create
from cityplatform.celery import app as celery_app
from cityplatform.roles import Role
from devices.models import Command
from devices.services.faults import fault_raise
from devices.services.registry import maintenance_open
from emergency.services.published import published_alert_create
from lighting.services.overrides import OverrideScope, override_create
from tests.cctv.conftest import device_event
from tests.devices.registry_factories import (
    make_camera,
    make_controller,
    make_light,
    make_sensor,
    make_zone,
)
from tests.reliability.conftest import size

# One transaction per principal, rolled back: a 500 that broke it would fail every later
# request of the run too, and be reported.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = size(2, 60)  # per operation and principal
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PRINCIPALS = [None, *Role]  # anonymous, then each role
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def api_schema(monkeypatch):
    """The schema as the running application serves it; no rate limits (tested elsewhere)."""
    application = get_wsgi_application()
    # As Django's test client does: the request cycle must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rates = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES)
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    with override_settings(CACHES=LOCAL_CACHE, ALLOWED_HOSTS=["*"]):
        try:
            yield schemathesis.openapi.from_wsgi("/api/schema/", application)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


LAT, LON = 51.5150, -0.0920


@pytest.fixture
def city(django_capture_on_commit_callbacks, make_user):
    """A small city with a row of each kind the API lists, null fields included."""
    ward = make_zone("Cheap", LON, LAT, 0.005, kind="ward")
    lights = [make_light(f"SL-{i}", LAT + i / 10_000, LON) for i in range(3)]
    make_controller("CTL-1", LAT, LON)
    make_sensor("LUX-1", LAT, LON)
    camera = make_camera(
        "CAM-1",
        LAT,
        LON,
        details={"analytics_allowlist": ["intrusion"], "purpose": "Public safety"},
    )
    fault, _ = fault_raise(asset=lights[0], type="lamp_failure")
    seeder = make_user(superuser=True, username="seeder")
    maintenance_open(actor=seeder, asset=lights[0], kind="repair", fault=fault)
    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"], priority=10)
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events_ingest([device_event(camera, "e-1")])
            override_create(
                scope=OverrideScope(light_ids=tuple(light.pk for light in lights)),
                level=100,
                operation="max",
                priority=5,
                expires_at=timezone.now() + timedelta(hours=1),
                reason="Street works",
                actor="test",
            )
            # An alarm no camera raised (an emergency warning) and a public CAP alert.
            alarm_raise_emergency(
                title="Flood warning", priority=10, zone_ids=[ward.pk], at=timezone.now(), actor="t"
            )
            published_alert_create(
                event="Flood", headline="Keep away", zone_ids=[ward.pk], actor="t"
            )
    finally:
        celery_app.conf.task_always_eager = eager
    assert Alarm.objects.filter(assignee=None).exists()  # the nulls the schema must allow
    assert Command.objects.filter(completed_at=None).exists()


def _headers(principal, make_user) -> Callable[[], dict[str, str]]:
    """The principal's headers for the next request."""
    if principal is None:
        return dict
    user = make_user(principal)
    headers = {"Authorization": f"Token {AuthToken.objects.create(user=user)[1]}"}

    def reissued() -> dict[str, str]:
        """A new token when a generated request revoked this one (revoke-all, DELETE …/tokens/)."""
        if not AuthToken.objects.filter(user=user).exists():
            headers["Authorization"] = f"Token {AuthToken.objects.create(user=user)[1]}"
        return headers

    return reissued


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: "anonymous" if p is None else p)
def test_every_operation_answers_inside_the_schema(principal, api_schema, make_user, city):
    headers = _headers(principal, make_user)
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # report the first failure, unshrunk
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(headers=headers())
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:  # one entry per failing operation
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
