"""schemathesis against the platform's own OpenAPI schema (/api/schema/), signed in as each role
(and anonymous): no 5xx, and every answer inside the schema (a documented status code, the
documented content type, a body matching the documented schema).

The WSGI application is called in-process, on the test's database. Each operation gets a few
generated requests in `make test` and many more under RELIABILITY_FULL=1.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cityplatform.roles import Role
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
def test_every_operation_answers_inside_the_schema(principal, api_schema, make_user):
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
