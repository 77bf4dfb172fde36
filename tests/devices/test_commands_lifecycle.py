"""The command life-cycle after issue: sent, acknowledged, timed out and retried, expired."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from devices.choices import CommandState, LevelSource
from devices.models import AssetState, LevelChange
from devices.protocols.messages import Ack
from devices.services.commands import (
    commands_claim_due,
    commands_complete,
    commands_issue,
    commands_send_failed,
    commands_sweep,
)
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db


def issue(light, level=80, **kwargs):
    (command,) = commands_issue(levels={light.pk: level}, reason="test", issued_by="test", **kwargs)
    return command


def ack(light, command, ok=True, level=None, reason=""):
    return (light.pk, Ack(light.device_id, str(command.pk), ok, level, reason, None))


def test_claiming_marks_due_commands_sent_once():
    light = make_light("SL-C1")
    command = issue(light)
    (claimed,) = commands_claim_due()
    assert claimed.id == str(command.pk) and claimed.attempt == 1
    assert claimed.device_id == "SL-C1" and claimed.protocol == "mqtt"
    command.refresh_from_db()
    assert command.state == CommandState.SENT and command.attempts == 1
    assert commands_claim_due() == []  # not due again before the ack time-out


def test_an_ok_ack_completes_the_command_and_records_the_level():
    light = make_light("SL-C2")
    command = issue(light, 60)
    commands_claim_due()
    (update,) = commands_complete(acks=[ack(light, command, level=60)])
    command.refresh_from_db()
    assert command.state == CommandState.SUCCEEDED == update.state
    assert command.reported_level == 60
    assert AssetState.objects.get(pk=light.pk).level == 60
    assert LevelChange.objects.get(asset=light).source == LevelSource.ACK


def test_an_error_ack_fails_the_command_with_the_devices_reason():
    light = make_light("SL-C3")
    command = issue(light)
    commands_claim_due()
    commands_complete(acks=[ack(light, command, ok=False, reason="driver fault")])
    command.refresh_from_db()
    assert command.state == CommandState.FAILED and command.error == "driver fault"


def test_an_ack_for_a_command_no_longer_pending_changes_nothing():
    light = make_light("SL-C4")
    first = issue(light, 30)
    issue(light, 90)  # supersedes the first
    assert commands_complete(acks=[ack(light, first, level=30)]) == []
    first.refresh_from_db()
    assert first.state == CommandState.CANCELLED


@override_settings(COMMAND_ACK_TIMEOUT_S=10, COMMAND_MAX_ATTEMPTS=3)
def test_without_an_ack_it_is_retried_with_backoff_then_timed_out():
    light = make_light("SL-C5")
    command = issue(light, ttl=timedelta(hours=1))
    t0 = timezone.now()
    assert [c.attempt for c in commands_claim_due(now=t0)] == [1]
    assert commands_claim_due(now=t0 + timedelta(seconds=9)) == []
    assert [c.attempt for c in commands_claim_due(now=t0 + timedelta(seconds=10))] == [2]
    command.refresh_from_db()
    # Backoff: the second attempt waits twice as long for its ack.
    assert command.next_attempt_at == t0 + timedelta(seconds=10 + 20)
    assert [c.attempt for c in commands_claim_due(now=t0 + timedelta(seconds=30))] == [3]
    later = t0 + timedelta(seconds=30 + 40)
    assert commands_claim_due(now=later) == []
    assert commands_sweep(now=later)[CommandState.TIMED_OUT] == 1
    command.refresh_from_db()
    assert command.state == CommandState.TIMED_OUT and command.attempts == 3


def test_an_expired_command_is_never_sent_and_ends_expired():
    light = make_light("SL-C6")
    command = issue(light, ttl=timedelta(seconds=30))
    later = timezone.now() + timedelta(minutes=1)
    assert commands_claim_due(now=later) == []
    assert commands_sweep(now=later)[CommandState.EXPIRED] == 1
    command.refresh_from_db()
    assert command.state == CommandState.EXPIRED


@override_settings(COMMAND_MAX_ATTEMPTS=1)
def test_a_send_that_fails_on_the_last_attempt_fails_the_command():
    light = make_light("SL-C7")
    command = issue(light)
    commands_claim_due()
    commands_send_failed(command_ids=[str(command.pk)], error="broker refused")
    command.refresh_from_db()
    assert command.state == CommandState.FAILED and command.error == "broker refused"


def test_the_sweep_task_nudges_the_gateway_about_due_commands():
    from devices.selectors.commands import commands_due_ids

    light = make_light("SL-C8")
    command = issue(light)
    assert commands_due_ids() == [str(command.pk)]
    from devices.tasks.gateway import command_sweep

    assert command_sweep.apply().get()["due"] == 1


def test_a_large_issue_and_claim_stays_a_few_queries(django_assert_max_num_queries):
    lights = [make_light(f"SL-M{i}") for i in range(300)]
    commands_issue(levels={light.pk: 50 for light in lights}, reason="dusk", issued_by="test")
    with django_assert_max_num_queries(6):
        claimed = commands_claim_due()
    assert len(claimed) == 300


def test_a_claim_takes_only_what_this_gateway_may_send():
    """OPC-UA lights go through the gateway holding their controller's session; `ids` and
    `asset_pks` narrow the claim; an expired command is never claimed."""
    from devices.choices import AssetKind, ControlProtocol
    from devices.models import Asset

    controller = Asset.objects.create(
        device_id="CTL-1", kind=AssetKind.CONTROLLER, latitude=51.51, longitude=-0.09
    )
    mqtt_light = make_light("SL-Q1")
    opcua_light = make_light("SL-Q2", protocol=ControlProtocol.OPCUA, controller=controller)
    other = make_light("SL-Q3")
    expired_light = make_light("SL-Q4")
    mqtt_cmd, opcua_cmd, other_cmd = (issue(light) for light in (mqtt_light, opcua_light, other))
    issue(expired_light, ttl=timedelta(seconds=1))
    later = timezone.now() + timedelta(seconds=2)

    claimed = commands_claim_due(
        now=later, opcua_controllers=set(), ids=[mqtt_cmd.pk, opcua_cmd.pk]
    )
    assert [c.device_id for c in claimed] == ["SL-Q1"]
    (claimed,) = commands_claim_due(
        now=later, opcua_controllers={"CTL-1"}, asset_pks=[mqtt_light.pk, opcua_light.pk]
    )
    assert (claimed.device_id, claimed.protocol, claimed.controller_device_id) == (
        "SL-Q2",
        ControlProtocol.OPCUA,
        "CTL-1",
    )
    assert claimed.id == str(opcua_cmd.pk)
    # The other light was left by both filters: claimed now, and nothing else is due.
    (claimed,) = commands_claim_due(now=later)
    assert claimed.id == str(other_cmd.pk)
    assert commands_claim_due(now=later) == []  # the expired one: never
