"""The administrators' API: recipients (the secret shown once), subscriptions, the delivery
log (filterable) and the retry of a failed delivery; other roles are refused."""

import pytest
from django.test import Client

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from notifications.choices import DeliveryStatus, EventKind
from notifications.models import Recipient
from notifications.services.notify import notify

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications"


@pytest.fixture
def admin(make_user, api_client):
    return api_client(make_user(superuser=True))


def test_a_recipient_secret_is_shown_once(admin):
    made = admin.post(
        f"{BASE}/recipients/",
        {"name": "Fire brigade", "slug": "fire", "kind": "partner",
         "webhook_url": "https://fire.example/hook"},
        format="json",
    )  # fmt: skip

    assert made.status_code == 201, made.json()
    secret = made.json()["webhook_secret"]
    assert len(secret) == 64
    listed = admin.get(f"{BASE}/recipients/").json()["results"]
    assert "webhook_secret" not in listed[0]
    assert secret not in str(admin.get(f"{BASE}/recipients/{made.json()['id']}/").json())
    rotated = admin.post(f"{BASE}/recipients/{made.json()['id']}/rotate-secret/").json()
    assert rotated["webhook_secret"] != secret
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"notifications.recipient_created", "notifications.recipient_secret_rotated"} <= actions
    assert secret not in str(list(AuditEntry.objects.values_list("details", flat=True)))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"webhook_url": "ftp://fire.example/hook"}, "webhook_url"),
        ({"webhook_url": "file:///etc/passwd"}, "webhook_url"),
        ({"email": "not an address"}, "email"),
        ({}, None),  # neither e-mail nor webhook
    ],
)
def test_a_recipient_that_cannot_work_is_a_400_naming_why(admin, values, field):
    values = {"name": "X", "slug": "x", "kind": "partner", **values}
    answer = admin.post(f"{BASE}/recipients/", values, format="json")

    assert answer.status_code == 400
    body = answer.json()
    if field:
        assert field in body["extra"]["fields"]
    else:
        assert "e-mail address or a webhook URL" in str(body)


def test_other_roles_are_refused(make_user, api_client):
    for role in (Role.SECURITY_SUPERVISOR, Role.SECURITY_OPERATOR, Role.VIEWER):
        client = api_client(make_user(role))
        for path in ("recipients", "subscriptions", "deliveries"):
            assert client.get(f"{BASE}/{path}/").status_code == 403
    assert api_client().get(f"{BASE}/deliveries/").status_code in (401, 403)


def test_subscriptions_are_made_and_checked(admin, partner):
    partner("fire", email="control@fire.example")

    made = admin.post(
        f"{BASE}/subscriptions/",
        {"recipient": "fire", "event_kinds": ["plan.started"], "min_priority": 10},
        format="json",
    )
    wrong = admin.post(
        f"{BASE}/subscriptions/", {"recipient": "fire", "event_kinds": ["x"]}, format="json"
    )

    assert made.status_code == 201, made.json()
    assert made.json()["event_kinds"] == ["plan.started"]
    assert wrong.status_code == 400 and "event_kinds" in wrong.json()["extra"]["fields"]
    gone = admin.delete(f"{BASE}/subscriptions/{made.json()['id']}/")
    assert gone.status_code == 204
    assert AuditEntry.objects.filter(action="notifications.subscription_deleted").exists()


def test_the_delivery_log_filters_and_a_failed_delivery_is_retried(
    admin, partner, http_receiver, committed, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    partner("fire", webhook_url=http_receiver.url)
    partner("police", email="c@police.example", active=True)
    http_receiver.statuses = [500]
    with committed():
        notify(EventKind.INCIDENT, subject="s", text="t", recipients=["fire"])

    failed = admin.get(f"{BASE}/deliveries/", {"status": "failed", "recipient__slug": "fire"})
    (row,) = failed.json()["results"]
    assert row["attempt_log"][0]["status_code"] == 500
    assert admin.get(f"{BASE}/deliveries/", {"status": "sent"}).json()["results"] == []

    with committed():
        retried = admin.post(f"{BASE}/deliveries/{row['id']}/retry/")

    assert retried.status_code == 200, retried.json()
    assert retried.json()["status"] == DeliveryStatus.QUEUED  # sent after the commit
    after = admin.get(f"{BASE}/deliveries/{row['id']}/").json()
    assert after["status"] == DeliveryStatus.SENT
    assert [a["ok"] for a in after["attempt_log"]] == [False, True]
    again = admin.post(f"{BASE}/deliveries/{row['id']}/retry/")
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="notifications.delivery_retried").exists()


def test_the_delivery_log_reads_in_a_fixed_number_of_queries(
    admin, partner, django_assert_max_num_queries
):
    for n in range(12):
        partner(f"partner-{n}", email=f"p{n}@example.com", webhook_url="http://127.0.0.1:9/h")
    for _ in range(3):
        notify(
            EventKind.INCIDENT,
            subject="s",
            text="t",
            recipients=[f"partner-{n}" for n in range(12)],
        )

    with django_assert_max_num_queries(8):
        answer = admin.get(f"{BASE}/deliveries/", {"page_size": 100})

    assert answer.json()["count"] == 72


def test_the_admin_shows_a_new_recipient_secret_once(make_user):
    client = Client()
    client.force_login(make_user(superuser=True))

    answer = client.post(
        "/admin/notifications/recipient/add/",
        {"name": "Fire", "slug": "fire", "kind": "partner", "email": "",
         "webhook_url": "https://fire.example/hook", "active": "on",
         "subscriptions-TOTAL_FORMS": "0", "subscriptions-INITIAL_FORMS": "0"},
        follow=True,
    )  # fmt: skip

    secret = Recipient.objects.get(slug="fire").webhook_secret
    assert secret in answer.content.decode()
    page = client.get(f"/admin/notifications/recipient/{Recipient.objects.get().pk}/change/")
    assert secret not in page.content.decode()
