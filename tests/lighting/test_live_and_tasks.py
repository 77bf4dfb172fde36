"""Live messages of lighting round-trip through JSON; the periodic tasks do their work."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.live import LiveMessage, build_message, kinds, topic_permission
from devices.models import AssetState
from lighting import tasks
from lighting.models import Override
from lighting.services.overrides import OverrideScope, override_create


def test_override_kinds_and_topic_are_registered_and_round_trip():
    assert {"override.started", "override.ended"} <= kinds().keys()
    assert topic_permission("overrides") == "cityplatform.access_platform"
    now = timezone.now()
    data = {
        "id": 17,
        "scope_kind": "zone",
        "zone_id": 3,
        "level": 100,
        "operation": "max",
        "priority": 4,
        "starts_at": now,
        "expires_at": now + timedelta(minutes=10),
        "alarm_id": 88,
        "light_count": 12,
        "ended_at": now,
        "end_state": "cancelled",
    }
    message = build_message("override.ended", data)
    again = LiveMessage.model_validate(json.loads(message.model_dump_json()))
    assert again.data["alarm_id"] == 88 and again.type == "override.ended"


@pytest.mark.django_db
def test_the_periodic_tasks_reconcile_and_expire(make_zone, make_light, residential, calendar_for):
    zone = make_zone()
    calendar_for(zone, residential)
    light = make_light(zone)
    assert tasks.reconcile_all.apply().get()["lights"] == 1
    assert AssetState.objects.get(pk=light.pk).desired_level is not None
    override = override_create(
        scope=OverrideScope(zone_id=zone.pk),
        level=100,
        operation="set",
        priority=8,
        starts_at=timezone.now() - timedelta(minutes=10),
        expires_at=timezone.now() + timedelta(seconds=1),
        reason="test",
        actor="t",
        now=timezone.now() - timedelta(minutes=10),
    )
    Override.objects.filter(pk=override.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.overrides_sweep.apply().get()["ended"] == 1
    assert tasks.command_override_boundary.apply(args=[override.pk]).get() == ""
    assert tasks.faults_detect.apply().get() == {"raised": 0, "cleared": 0}
