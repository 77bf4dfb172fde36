"""Two demos on one broker (issue #14, 6): the simulators' MQTT client ids are unique per run,
so neither knocks the other's connections off (a broker drops the older connection of a client
id whenever a newer one connects)."""

import asyncio
import uuid

import pytest

from devices.simulators.embedded import demo_options
from devices.simulators.mqtt_devices import LampSpec, MqttCitySimulation

pytestmark = pytest.mark.slow

RUN_S = 4.0  # paho reconnects a knocked-off link within 1-2 s: a clash shows many times over


async def run_two_demos() -> list[MqttCitySimulation]:
    demos = [
        MqttCitySimulation(
            lamps=[LampSpec(f"SL-{n}-{i}") for i in range(4)], options=demo_options()
        )
        for n in range(2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(demo.run(stop)) for demo in demos]
    try:
        for demo in demos:
            assert await demo.wait_connected(10), "a simulator could not connect"
        await asyncio.sleep(RUN_S)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return demos


def test_two_demos_on_one_broker_keep_their_connections(settings):
    settings.MQTT_TOPIC_PREFIX = f"test-demo/{uuid.uuid4().hex[:8]}"  # the same for both demos
    demos = asyncio.run(run_two_demos())

    ids = [link.client_id for demo in demos for link in demo.links]
    assert len(ids) == len(set(ids)) == 4  # two multiplexed connections each
    assert all(
        i.startswith(f"demo-sim-{settings.MQTT_TOPIC_PREFIX.replace('/', '-')}") for i in ids
    )
    assert [link.connects for demo in demos for link in demo.links] == [1, 1, 1, 1]
