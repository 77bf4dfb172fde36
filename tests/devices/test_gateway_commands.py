"""Commands through the gateway: a committed command is published on P/{id}/cmd and the
device's ack completes it; a restarted gateway re-sends what is due."""

import json
import uuid

import pytest

from devices.choices import CommandState
from devices.models import AssetState, Command
from devices.services.commands import commands_issue
from tests.devices.gateway_helpers import (
    Peer,
    forget_session,
    gateway_options,
    make_light,
    schema_validate,
    start_gateway,
    unique_prefix,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


class AckingLamp(Peer):
    """A lamp that applies each command and acknowledges it."""

    def __init__(self, prefix: str, device_id: str):
        super().__init__()
        self.prefix, self.device_id = prefix, device_id
        self.commands: list[dict] = []
        self.client.on_message = self._on_cmd
        self.subscribe(f"{prefix}/{device_id}/cmd")

    def _on_cmd(self, client, userdata, message):
        body = json.loads(message.payload)
        self.commands.append(body)
        client.publish(
            f"{self.prefix}/{self.device_id}/ack",
            json.dumps({"id": body["id"], "status": "ok", "level": body["level"]}),
            qos=1,
        )


def test_a_command_is_published_acknowledged_and_succeeds():
    prefix = unique_prefix()
    light = make_light("SL-CMD1")
    lamp = AckingLamp(prefix, "SL-CMD1")
    gateway = start_gateway(gateway_options(prefix))
    try:
        (command,) = commands_issue(levels={light.pk: 75}, reason="boost", issued_by="test")
        wait_for(
            lambda: Command.objects.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
            what="SUCCEEDED",
        )
        (sent,) = lamp.commands
        schema_validate("cmd", sent)
        assert sent["id"] == str(command.pk) and sent["level"] == 75
        assert AssetState.objects.get(pk=light.pk).level == 75
        for body in lamp.commands:
            uuid.UUID(body["id"])
    finally:
        gateway.stop()
        forget_session(gateway.options.client_id)
        lamp.close()


def test_commands_issued_while_the_gateway_is_down_are_sent_when_it_starts():
    prefix = unique_prefix()
    light = make_light("SL-CMD2")
    lamp = AckingLamp(prefix, "SL-CMD2")
    (command,) = commands_issue(levels={light.pk: 20}, reason="dim", issued_by="test")
    gateway = start_gateway(gateway_options(prefix))
    try:
        wait_for(
            lambda: Command.objects.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
            what="SUCCEEDED after start",
        )
    finally:
        gateway.stop()
        forget_session(gateway.options.client_id)
        lamp.close()
