"""The simulators of `make demo`: the seeded city from the registry, live at modest rates.

A demo service (cityplatform/embedded.py): runs until `ctx.stop`; does nothing when the demo
runs with `--no-simulators` (`ctx.options["simulators"]` False). Lamps report every minute,
cameras raise an event every few seconds city-wide (Frigate cameras through Frigate's topic,
ONVIF cameras as Profile M events), a lamp fault now and then, a storm on the river gauges
DEMO_STORM_AFTER_S after the start (when set), and one simulated OPC-UA controller per
controller asset at its endpoint URL.
"""

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from devices.simulators.city import CitySpec, city_from_registry, run_city
from devices.simulators.mqtt_devices import SimOptions

log = logging.getLogger("devices.simulators")

REGISTRY_POLL_S = 10.0


def demo_options() -> SimOptions:
    return SimOptions(
        broker_url=settings.MQTT_URL,
        prefix=settings.MQTT_TOPIC_PREFIX,
        telemetry_interval_s=60.0,
        sensor_interval_s=60.0,
        ack_delay_s=0.3,
        event_rate_per_s=0.3,
        frigate=True,
        frigate_topic=settings.FRIGATE_TOPIC,
        onvif=True,  # the cameras seeded with an ONVIF source (ONVIF_TOPIC must match them)
        onvif_rate_per_s=0.1,
        storm_after_s=settings.DEMO_STORM_AFTER_S,
        fault_rate_per_hour=4.0,
        multiplexed=True,
        connections=2,
        # The topic prefix names the demo in the broker's log; the simulator adds a random tag.
        client_id_prefix=f"demo-sim-{settings.MQTT_TOPIC_PREFIX.replace('/', '-')}"[:64],
        latitude=settings.SITE_LATITUDE,
        longitude=settings.SITE_LONGITUDE,
    )


def _load() -> CitySpec:
    try:
        return city_from_registry()
    finally:
        close_old_connections()


async def run_simulators(ctx) -> None:
    ready = ctx.readiness("devices")  # set once the simulated controllers listen
    if not ctx.options.get("simulators", True):
        log.info("simulators off (--no-simulators)")
        ready.set()
        return
    await ctx.wait_ready("mqtt")  # the lamps' first messages need a broker to go to
    load = sync_to_async(_load)
    city = await load()
    if city.empty:
        ready.set()  # nothing to wait for: the gateway need not wait for a city to be seeded
    while city.empty and not ctx.stop.is_set():
        log.info("simulators: the registry is empty; looking again in %.0f s", REGISTRY_POLL_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.stop.wait(), REGISTRY_POLL_S)
        city = await load()
    if ctx.stop.is_set():
        ready.set()
        return
    log.info("simulators: %s", city.describe())
    await run_city(city, demo_options(), ctx.stop, ready=ready)
