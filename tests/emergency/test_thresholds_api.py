"""The thresholds API: operators read the rules, supervisors and administrators edit them
(audited), a rule that cannot work is a 400 naming the field."""

import pytest
from rest_framework.test import APIClient

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from emergency.models import ThresholdRule

pytestmark = pytest.mark.django_db

URL = "/api/v1/emergency/thresholds/"
RULE = {
    "name": "River rising",
    "measures": "flood_level",
    "metric": "level_cm",
    "kind": "rise",
    "level": 20,
    "clear_level": 5,
    "window_min": 30,
    "for_s": 60,
}


def client_as(make_user, role):
    client = APIClient()
    if role is not None:
        client.force_authenticate(make_user(role))
    return client


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.SECURITY_SUPERVISOR, 200, 201),
        (Role.ADMINISTRATOR, 200, 201),
        (Role.SECURITY_OPERATOR, 200, 403),
        (Role.VIEWER, 403, 403),
        (None, 401, 401),
    ],
)
def test_who_reads_and_who_edits(make_user, role, read, write):
    client = client_as(make_user, role)
    assert client.get(URL).status_code == read
    assert client.post(URL, RULE, format="json").status_code == write
    assert ThresholdRule.objects.count() == (1 if write == 201 else 0)


def test_edit_and_delete_are_audited(make_user):
    client = client_as(make_user, Role.SECURITY_SUPERVISOR)
    pk = client.post(URL, RULE, format="json").json()["id"]
    assert client.patch(f"{URL}{pk}/", {"level": 25}, format="json").status_code == 200
    assert ThresholdRule.objects.get(pk=pk).level == 25
    assert client.delete(f"{URL}{pk}/").status_code == 204
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "emergency.threshold_created",
        "emergency.threshold_changed",
        "emergency.threshold_deleted",
    } <= actions


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "above", "level": 150, "clear_level": 160}, "clear_level"),
        ({"measures": ""}, "measures"),
        ({"kind": "sideways"}, "kind"),
    ],
)
def test_a_rule_that_cannot_work_is_a_clear_400(make_user, change, field):
    client = client_as(make_user, Role.SECURITY_SUPERVISOR)
    response = client.post(URL, {**RULE, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
