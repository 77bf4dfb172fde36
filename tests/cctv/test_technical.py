"""Technical alarms (camera offline, tamper, video loss) follow the camera's faults and close
themselves when the condition clears."""

import pytest

from cctv.choices import AlarmCategory, AlarmResolution, AlarmState
from cctv.models import Alarm
from cctv.services.technical import technical_reconcile
from devices.choices import FaultType
from devices.services.faults import fault_clear, fault_raise
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db


def test_a_tamper_event_raises_a_technical_alarm_that_closes_when_it_clears(camera, ingest):
    ingest([device_event(camera, "t-1", type="tamper", confidence=None)])
    ingest([device_event(camera, "t-2", type="tamper", confidence=None)])  # still tampered
    alarm = Alarm.objects.get()
    assert (alarm.category, alarm.condition, alarm.state) == (
        AlarmCategory.TECHNICAL,
        "tamper",
        AlarmState.NEW,
    )
    ingest([device_event(camera, "t-3", type="tamper", attributes={"active": False})])
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLOSED and alarm.resolution == AlarmResolution.RESOLVED
    assert alarm.closed_by == "technical"


def test_the_gateways_offline_fault_raises_and_clears_a_technical_alarm(camera):
    fault_raise(asset=camera, type=FaultType.OFFLINE, actor="gateway")
    raised, _ = technical_reconcile()
    again, _ = technical_reconcile()
    assert [a.condition for a in raised] == ["offline"] and again == []
    fault_clear(asset=camera, type=FaultType.OFFLINE, actor="gateway")
    _, closed = technical_reconcile()
    assert [a.pk for a in closed] == [raised[0].pk]
    assert Alarm.objects.get().state == AlarmState.CLOSED


def test_an_operator_closed_technical_alarm_comes_back_while_the_fault_stays(camera):
    from cctv.services.alarms import alarm_close

    fault_raise(asset=camera, type=FaultType.VIDEO_LOSS)
    raised, _ = technical_reconcile()
    alarm_close(alarm=raised[0], actor="operator", resolution="false_alarm")
    raised_again, _ = technical_reconcile()
    assert len(raised_again) == 1 and Alarm.objects.count() == 2
