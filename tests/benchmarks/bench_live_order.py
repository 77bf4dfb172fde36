"""Live fan-out to one group: in order (what `cityplatform.live.group_send_many` does since
session 5, so a superseded command's `cancelled` never overtakes its successor's `queued`)
against 32 sends at once (what it did before), on the real Redis channel layer, same run.

The lighting page listens on `commands`: at dusk every command.updated goes to that one group."""

import asyncio
import time

from channels.layers import channel_layers

from cityplatform.live import group_send_many
from tests.benchmarks.common import figure

QUICK, FULL = 1_000, 10_000


def run(*, quick: bool) -> list[dict]:
    layer = channel_layers.make_backend("default")
    n = QUICK if quick else FULL
    event = {"type": "live.message", "text": "x" * 300}

    async def measure() -> tuple[float, float]:
        channel = await layer.new_channel()
        await layer.group_add("bench-order", channel)
        started = time.perf_counter()
        await group_send_many(layer, [("bench-order", event)] * n, members_known=True)
        in_order = time.perf_counter() - started
        await layer.flush()
        channel = await layer.new_channel()
        await layer.group_add("bench-order", channel)
        semaphore = asyncio.Semaphore(32)

        async def one() -> None:
            async with semaphore:
                await layer.group_send("bench-order", event)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        concurrent = time.perf_counter() - started
        await layer.flush()
        return in_order, concurrent

    in_order, concurrent = asyncio.run(measure())
    return [
        figure(f"live sends to one group, in order ({n:,})", n / in_order, "msg/s"),
        figure(f"live sends to one group, 32 at once ({n:,}, before)", n / concurrent, "msg/s"),
        figure("in order / 32 at once", concurrent / in_order, "ratio", goal="reference"),
    ]
