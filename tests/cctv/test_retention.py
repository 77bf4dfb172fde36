"""The nightly purge deletes events and closed alarms past retention, keeps what legal holds
and open alarms keep, and reports what it deleted."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cctv.models import Alarm, Event, LegalHold, PurgeRun
from cctv.services.alarms import alarm_close
from cctv.services.retention import legal_hold_create, legal_hold_release, retention_purge
from cctv.services.rules import alarm_rule_create
from cctv.tasks import retention_purge as retention_purge_task
from cityplatform.api import ApplicationError
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def old(camera, ingest):
    """Four 40-day-old events: a closed alarm's, an open alarm's, and two loose ones."""
    long_ago = timezone.now() - timedelta(days=40)
    alarm_rule_create(actor="t", name="Intrusion", event_types=["intrusion"], retrigger_s=0)
    ingest([device_event(camera, "closed", ts=long_ago)])
    ingest([device_event(camera, "open", ts=long_ago)])
    ingest(
        [
            device_event(camera, "loose-1", ts=long_ago, type="motion"),
            device_event(
                camera, "loose-2", ts=long_ago, type="motion", attributes={"snapshot_url": "x"}
            ),
        ]
    )
    closed = Alarm.objects.get(events__event_id="closed")
    alarm_close(alarm=closed, actor="t", resolution="resolved")
    Alarm.objects.filter(pk=closed.pk).update(closed_at=long_ago)
    return {e.event_id: e for e in Event.objects.all()}


def test_the_purge_deletes_what_is_past_retention_and_reports_it(old, camera, ingest):
    ingest([device_event(camera, "recent", type="motion")])
    result = retention_purge_task.delay().get()
    assert result["events_deleted"] == 3 and result["alarms_deleted"] == 1
    assert result["snapshots_deleted"] == 1 and result["events_held"] == 1
    assert set(Event.objects.values_list("event_id", flat=True)) == {"open", "recent"}
    assert Alarm.objects.get().events.get().event_id == "open"
    run = PurgeRun.objects.get()
    assert AuditEntry.objects.get(action="cctv.retention_purged").details["events_deleted"] == 3
    assert run.events_deleted == 3


def test_a_legal_hold_keeps_events_and_alarms_until_released(old, make_user):
    owner = make_user(Role.SECURITY_SUPERVISOR)
    closed_alarm = Alarm.objects.get(state="closed")
    hold = legal_hold_create(
        reason="Police investigation 01/2345",
        owner=owner,
        review_due=date.today() + timedelta(days=90),
        actor=owner,
        event_ids=[old["loose-1"].pk],
        alarm_ids=[closed_alarm.pk],
    )
    run = retention_purge()
    assert run.events_deleted == 1 and run.alarms_deleted == 0 and run.alarms_held == 1
    assert set(Event.objects.values_list("event_id", flat=True)) == {"closed", "open", "loose-1"}
    legal_hold_release(hold=hold, actor=owner, reason="Case closed")
    run = retention_purge()
    assert run.alarms_deleted == 1 and run.events_deleted == 2
    assert LegalHold.objects.get().released_at is not None


def test_a_hold_needs_a_reason_and_a_review_at_most_twelve_months_ahead(old, make_user):
    owner = make_user(Role.SECURITY_SUPERVISOR)
    with pytest.raises(ApplicationError) as error:
        legal_hold_create(
            reason="",
            owner=owner,
            review_due=date.today() + timedelta(days=400),
            actor=owner,
            event_ids=[old["loose-1"].pk],
        )
    assert set(error.value.extra["fields"]) == {"reason", "review_due"}


def test_only_evidence_managers_place_holds(old, make_user, api_client):
    body = {
        "reason": "Insurance claim",
        "owner": make_user(Role.SECURITY_SUPERVISOR).username,
        "review_due": (date.today() + timedelta(days=30)).isoformat(),
        "events": [old["loose-1"].pk],
    }
    operator = api_client(make_user(Role.SECURITY_OPERATOR))
    assert operator.post("/api/v1/cctv/holds/", body, format="json").status_code == 403
    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR))
    created = supervisor.post("/api/v1/cctv/holds/", body, format="json")
    assert created.status_code == 201 and created.json()["events"] == [old["loose-1"].pk]


def test_an_event_stored_dated_in_the_future_is_purged_by_its_arrival(camera, ingest):
    """Before event times ahead of the clock were refused, one dated 9999-12-31 was stored and
    no purge ever reached it (issue #14, item 14)."""
    from datetime import UTC, datetime

    ingest([device_event(camera, "far-future", type="motion")])
    ingest([device_event(camera, "ahead-and-recent", type="motion")])
    Event.objects.filter(event_id="far-future").update(
        ts=datetime(9999, 12, 31, tzinfo=UTC), received_at=timezone.now() - timedelta(days=40)
    )
    Event.objects.filter(event_id="ahead-and-recent").update(ts=timezone.now() + timedelta(days=2))
    assert retention_purge().events_deleted == 1
    assert set(Event.objects.values_list("event_id", flat=True)) == {"ahead-and-recent"}
