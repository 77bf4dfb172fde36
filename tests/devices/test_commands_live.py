"""Pages see each command change: `command.updated` to `commands`, `device:<id>`, `zone:<id>`."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from django.conf import settings

from cityplatform.live import build_message, topic_group
from devices.models import Zone
from devices.services.commands import commands_claim_due, commands_issue
from tests.devices.gateway_helpers import make_light

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis layer (shared by threads)"),
]


def test_issue_and_send_are_published_as_command_updated():
    layer = channel_layers.make_backend("default")
    zone = Zone.objects.create(name="Cheapside")
    light = make_light("SL-L1")
    light.zone = zone
    light.save()

    async def listen_then_act():
        channel = await layer.new_channel()
        await layer.group_add(topic_group(f"zone:{zone.pk}"), channel)
        return channel

    channel = async_to_sync(listen_then_act)()
    commands_issue(levels={light.pk: 100}, reason="boost", issued_by="test")
    commands_claim_due()

    async def receive_two():
        import asyncio

        return [await asyncio.wait_for(layer.receive(channel), 10) for _ in range(2)]

    messages = [m["message"] for m in async_to_sync(receive_two)()]
    assert [(m["type"], m["data"]["state"]) for m in messages] == [
        ("command.updated", "queued"),
        ("command.updated", "sent"),
    ]
    assert messages[0]["data"]["device_id"] == "SL-L1"
    build_message("command.updated", messages[1]["data"])  # round-trips through its schema


def test_a_superseded_command_is_published_cancelled_before_its_successor_queued():
    layer = channel_layers.make_backend("default")
    light = make_light("SL-L2")

    async def listen():
        channel = await layer.new_channel()
        await layer.group_add(topic_group("device:SL-L2"), channel)
        return channel

    channel = async_to_sync(listen)()
    (old,) = commands_issue(levels={light.pk: 40}, reason="programme 'Residential'", issued_by="t")
    (new,) = commands_issue(levels={light.pk: 100}, reason="override #9", issued_by="t")

    async def receive_three():
        import asyncio

        return [await asyncio.wait_for(layer.receive(channel), 10) for _ in range(3)]

    messages = [m["message"]["data"] for m in async_to_sync(receive_three)()]
    assert [(m["id"], m["state"], m["level"], m["reason"], m["error"]) for m in messages] == [
        (str(old.pk), "queued", 40.0, "programme 'Residential'", ""),
        (str(old.pk), "cancelled", 40.0, "programme 'Residential'", "superseded"),
        (str(new.pk), "queued", 100.0, "override #9", ""),
    ]
    for data in messages:
        build_message("command.updated", data)  # round-trips through its schema
