"""Sensor events share the alarm path (one queue for emergencies too); a lost evaluation task is
caught up by the periodic one; new events are pushed to the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cctv.models import Alarm, Event
from cctv.services.announce import events_announce
from cctv.services.ingest import events_ingest
from cctv.services.rules import alarm_rule_create
from cctv.tasks import event_evaluate_pending
from devices.choices import AssetKind
from devices.models import Asset, SensorDetails
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db


def test_a_flood_level_over_threshold_raises_a_safety_alarm(zone, ingest):
    sensor = Asset.objects.create(
        device_id="FLOOD-7", kind=AssetKind.SENSOR, latitude=51.51, longitude=-0.09, zone=zone
    )
    SensorDetails.objects.create(asset=sensor, measures="flood_level", unit="m")
    alarm_rule_create(
        actor="t", name="Flooding", event_types=["threshold"], category="safety", priority=2
    )
    ingest(
        [
            device_event(
                sensor,
                "f-1",
                type="threshold",
                confidence=None,
                attributes={"measure": "flood_level", "value": 1.4, "threshold": 1.0},
            )
        ]
    )
    alarm = Alarm.objects.get()
    assert (alarm.category, alarm.priority, alarm.camera) == ("safety", 2, sensor)


def test_events_whose_evaluation_was_lost_are_caught_up(camera):
    alarm_rule_create(actor="t", name="Intrusion", event_types=["intrusion"])
    events_ingest([device_event(camera, "lost")])  # no commit hook runs: the task is "lost"
    Event.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert not Alarm.objects.exists()
    assert event_evaluate_pending() == 1
    assert Alarm.objects.count() == 1 and Event.objects.get().evaluated_at is not None
    assert event_evaluate_pending() == 0


def test_new_events_are_announced_live(camera, django_capture_on_commit_callbacks):
    from unittest import mock

    events_ingest([device_event(camera, "seen")])
    with mock.patch("cctv.services.announce.live_publish") as publish:
        assert events_announce(event_ids=list(Event.objects.values_list("pk", flat=True))) == 1
    kwargs = publish.call_args.kwargs
    assert kwargs["kind"] == "event.received"
    assert set(kwargs["topics"]) == {f"device:{camera.device_id}", f"zone:{camera.zone_id}"}
    assert kwargs["data"].event_id == "seen"
