"""Hostile TALQ bodies, outside any transaction as in production (a transactional test: the
web process has no ATOMIC_REQUESTS): each is a 400 in TALQ's error shape and kept as a rejected
message with its reason, never a 500. Before: every refusal raised TransactionManagementError
while keeping itself, and a body 100,000 deep, 1e999999 or an unclosed brace broke the validator."""

import pytest
from django.test import Client

from devices.models import RejectedMessage
from tests.devices.talq_helpers import CMS_KEY, make_talq_gateway

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = {
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
    "a number too large for a float": ('{"a": 1e999999}', "a number out of range"),
    "an integer of 5,000 digits": ('[{"n": ' + "9" * 5000 + "}]", "a number out of range"),
    "not JSON": ("{", "not valid JSON"),
    "a NUL": ('["a\\u0000b"]', "NUL"),
    "3 MB": ('"' + "a" * 3_000_000 + '"', "larger than 2,621,440 bytes"),
}


@pytest.mark.parametrize("path", ["services", "devices", "log-reports"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_body_is_a_talq_400_kept_with_its_reason(path, name):
    body, reason = HOSTILE[name]
    make_talq_gateway()
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/talq/v2/{path}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {CMS_KEY}",
    )
    assert response.status_code == 400, response.content[:300]
    [error] = response.json()
    assert error["key"] == "payloadError" and reason in error["description"]
    kept = RejectedMessage.objects.get()
    assert kept.topic.endswith(f"POST {path}") and reason in kept.reason
