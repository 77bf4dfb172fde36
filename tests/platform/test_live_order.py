"""The events of one group leave `group_send_many` in the order given, whatever the layer's
sends take: a superseded command's `cancelled` must not overtake it under load (seen in the
full suite: the batch's sends ran concurrently, and the successor's `queued` arrived first)."""

import asyncio
import random

from cityplatform.live import group_send_many


class SlowLayer:
    """A channel layer whose sends take a random time (a busy Redis), recording arrivals."""

    def __init__(self) -> None:
        self.arrived: list[tuple[str, int]] = []

    async def group_send(self, group: str, event: dict) -> None:
        await asyncio.sleep(random.uniform(0, 0.005))
        self.arrived.append((group, event["n"]))


def test_each_groups_events_arrive_in_order():
    layer = SlowLayer()
    sends = [(f"g{n % 3}", {"n": n}) for n in range(60)]

    asyncio.run(group_send_many(layer, sends, members_known=True))

    for group in ("g0", "g1", "g2"):
        got = [n for g, n in layer.arrived if g == group]
        assert got == sorted(got) and len(got) == 20
