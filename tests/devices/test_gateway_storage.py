"""Storing a batch: every level change is logged with its time, duplicates are absorbed, a late
sample is history but not the current state."""

from datetime import UTC, datetime, timedelta

import pytest

from devices.models import AssetState, LevelChange, Telemetry
from devices.protocols.messages import Telemetry as Sample
from devices.services.ingest import IngestBatch, ingest_store
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


def sample(minutes: int, level: float) -> Sample:
    return Sample("SL-ST1", T0 + timedelta(minutes=minutes), level=level, power_w=level / 2)


def test_a_replayed_backlog_logs_every_level_change_in_one_batch():
    light = make_light("SL-ST1")
    backlog = [sample(0, 100), sample(10, 100), sample(20, 50), sample(30, 0), sample(30, 0)]
    result = ingest_store(batch=IngestBatch(samples=[(light.pk, s) for s in backlog]))
    assert result.stored_samples == 4 and result.duplicate_samples == 1
    changes = list(
        LevelChange.objects.filter(asset=light).order_by("at").values_list("at", "level")
    )
    assert changes == [(T0, 100), (T0 + timedelta(minutes=20), 50), (T0 + timedelta(minutes=30), 0)]
    state = AssetState.objects.get(pk=light.pk)
    assert (state.level, state.reported_at, state.online) == (0, T0 + timedelta(minutes=30), True)


def test_a_late_sample_is_history_but_not_the_current_state():
    light = make_light("SL-ST1")
    ingest_store(batch=IngestBatch(samples=[(light.pk, sample(30, 20))]))
    ingest_store(batch=IngestBatch(samples=[(light.pk, sample(5, 90))]))
    assert Telemetry.objects.filter(asset=light).count() == 2
    assert AssetState.objects.get(pk=light.pk).level == 20


def test_a_batch_reports_each_state_change_and_clears_the_offline_fault():
    """What the gateway sends live (light.state, device.status) and the offline fault's end
    come from the changes a batch reports: a new level, or a device heard from again."""
    from devices.choices import FaultType
    from devices.models import Fault
    from devices.services.faults import fault_raise

    light = make_light("SL-ST1")
    AssetState.objects.update_or_create(asset=light, defaults={"online": False, "level": 0})
    fault_raise(asset=light, type=FaultType.OFFLINE, at=T0 - timedelta(hours=1))

    first = ingest_store(batch=IngestBatch(samples=[(light.pk, sample(0, 80))]))
    assert [(c.device_id, c.level, c.came_online) for c in first.state_changes] == [
        ("SL-ST1", 80, True)
    ]
    assert Fault.objects.get(asset=light, type=FaultType.OFFLINE).cleared_at is not None

    same = ingest_store(batch=IngestBatch(samples=[(light.pk, sample(10, 80))]))
    assert same.state_changes == []
    dimmed = ingest_store(batch=IngestBatch(samples=[(light.pk, sample(20, 30))]))
    assert [(c.level, c.came_online) for c in dimmed.state_changes] == [(30, False)]
