"""The Redis channel layer: a consumer waiting for messages on a quiet channel keeps waiting."""

import asyncio

import pytest
from channels.layers import channel_layers
from django.conf import settings

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    "RedisChannelLayer" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="the embedded mode has no Redis",
)
def test_a_receive_on_a_quiet_channel_outlasts_the_blocking_pop():
    """channels_redis pops with a 5 s block; a socket timeout of 5 s (redis-py 8's default)
    ended that wait in an error, which dropped every idle live WebSocket after 5 s."""

    async def wait_quietly():
        # A layer of its own, as configured: the process's shared one has connections on other
        # event loops (the live sender's), which this test's loop may not close.
        layer = channel_layers.make_backend("default")
        channel = await layer.new_channel()
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=7)
        except TimeoutError:
            return "still waiting"
        finally:
            await layer.close_pools()

    assert asyncio.run(wait_quietly()) == "still waiting"
