"""Why a queued OPC-UA command is not sent, on the command (services/command_routes.py): each
case of a missing route, the reason kept when the command expires, cleared when it is sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devices.choices import AssetKind, CommandState, ControlProtocol, LifecycleStatus
from devices.models import Asset, Command, ControllerDetails
from devices.services.command_routes import commands_unsent_explain
from devices.services.commands import (
    commands_claim_due,
    commands_issue,
    commands_send_later,
    commands_sweep,
)
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db


def controller(device_id: str, *, endpoint: str = "opc.tcp://10.0.0.9:4840/", **fields) -> Asset:
    asset = Asset.objects.create(
        device_id=device_id, kind=AssetKind.CONTROLLER, latitude=51.5, longitude=0, **fields
    )
    ControllerDetails.objects.create(
        asset=asset, protocol=ControlProtocol.OPCUA, endpoint_url=endpoint
    )
    return asset


def issue(light: Asset, **options) -> Command:
    (command,) = commands_issue(levels={light.pk: 50}, reason="test", issued_by="test", **options)
    return command


def error_of(command: Command) -> str:
    return Command.objects.get(pk=command.pk).error


def test_each_missing_route_is_named_on_the_command():
    lost = issue(make_light("SL-1", protocol=ControlProtocol.OPCUA))
    old = controller("CAB-OLD", status=LifecycleStatus.DECOMMISSIONED)
    retired = issue(make_light("SL-2", protocol=ControlProtocol.OPCUA, controller=old))
    bare = controller("CAB-BARE")
    ControllerDetails.objects.filter(asset=bare).update(endpoint_url="")
    blank = issue(make_light("SL-3", protocol=ControlProtocol.OPCUA, controller=bare))
    down = issue(make_light("SL-4", protocol=ControlProtocol.OPCUA, controller=controller("CAB")))
    mqtt = issue(make_light("SL-5"))

    changed = commands_unsent_explain(
        unreachable={"CAB": "controller CAB is not connected (x)"}, owns=lambda c: True
    )

    assert changed == 4
    assert error_of(lost) == "not sent: the light is driven over OPC-UA but has no controller"
    assert error_of(retired) == "not sent: its controller CAB-OLD is decommissioned"
    assert error_of(blank) == "not sent: its controller CAB-BARE has no OPC-UA endpoint URL"
    assert error_of(down) == "not sent: controller CAB is not connected (x)"
    assert error_of(mqtt) == ""  # an MQTT light's command is not this function's business
    assert commands_unsent_explain(unreachable={"CAB": "controller CAB is not connected (x)"}) == 0


def test_a_gateway_leaves_the_reasons_of_another_gateways_controllers_alone():
    command = issue(make_light("SL-1", protocol=ControlProtocol.OPCUA, controller=controller("C")))
    commands_unsent_explain(
        unreachable={"C": "controller C is not connected (x)"}, owns=lambda c: True
    )

    # Another gateway: C is not its controller, and it has no session for it.
    assert commands_unsent_explain(unreachable={}, owns=lambda c: False) == 0
    assert error_of(command) == "not sent: controller C is not connected (x)"
    # The owner, once connected (nothing unreachable), clears it.
    assert commands_unsent_explain(unreachable={}, owns=lambda c: True) == 1
    assert error_of(command) == ""


def test_the_reason_goes_when_the_controller_is_back_and_the_claim_clears_it():
    command = issue(make_light("SL-1", protocol=ControlProtocol.OPCUA, controller=controller("C")))
    commands_unsent_explain(
        unreachable={"C": "controller C is not connected (refused)"}, owns=lambda c: True
    )
    assert error_of(command).startswith("not sent: ")

    claimed = commands_claim_due(opcua_controllers={"C"})

    assert [c.id for c in claimed] == [str(command.pk)]
    assert Command.objects.get(pk=command.pk).state == CommandState.SENT
    assert error_of(command) == ""


def test_a_command_that_expires_unsent_keeps_saying_why():
    command = issue(make_light("SL-1", protocol=ControlProtocol.OPCUA), ttl=timedelta(minutes=1))
    plain = issue(make_light("SL-2"), ttl=timedelta(minutes=1))
    commands_unsent_explain(unreachable={})

    commands_sweep(now=timezone.now() + timedelta(minutes=2))

    expired = Command.objects.get(pk=command.pk)
    assert expired.state == CommandState.EXPIRED
    assert expired.error == (
        "expired before it was sent: the light is driven over OPC-UA but has no controller"
    )
    assert error_of(plain) == "expired before it was confirmed"


def test_a_command_sent_later_gives_its_attempt_back_and_is_due_again_in_a_moment():
    """A luminaire the registry has just put on its controller, whose session restarts with it:
    the gateway hands the claimed command back (commands_send_later) rather than write to a
    session that does not know the light and wait for the ack time-out (30 s and more)."""
    command = issue(make_light("SL-LATER"))
    now = timezone.now()
    (claimed,) = commands_claim_due(now=now, ids=[command.id])
    assert Command.objects.get(pk=command.pk).attempts == 1

    assert commands_send_later(command_ids=[claimed.id], reason="not on the session", now=now) == 1

    row = Command.objects.get(pk=command.pk)
    assert row.attempts == 0 and row.error == "not sent: not on the session"
    assert commands_claim_due(now=now + timedelta(milliseconds=500), ids=[command.id]) == []
    (again,) = commands_claim_due(now=now + timedelta(seconds=1), ids=[command.id])
    assert again.id == str(command.id)
    row = Command.objects.get(pk=command.pk)
    assert row.attempts == 1 and row.error == ""  # the claim clears the "not sent" reason
