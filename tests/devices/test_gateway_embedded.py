"""The demo's device services: an in-process amqtt broker when nothing listens at MQTT_URL,
and the gateway storing what devices publish to it."""

import asyncio
import json
import logging
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest
from django.test import override_settings
from paho.mqtt.enums import CallbackAPIVersion

from cityplatform.embedded import DemoContext
from devices.gateway import embedded
from devices.models import Telemetry
from tests.devices.gateway_helpers import make_light, unique_prefix, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_starts_a_broker_and_the_gateway_stores_what_lamps_publish(free_port):
    prefix = unique_prefix()
    light = make_light("SL-D1")
    with override_settings(
        MQTT_URL=f"mqtt://127.0.0.1:{free_port}",
        MQTT_TOPIC_PREFIX=prefix,
        MQTT_CLIENT_ID=f"demo-gw-{uuid.uuid4().hex[:6]}",
    ):
        embedded._state.update(embedded_broker=False, ready=None)
        loop = asyncio.new_event_loop()
        ctx = DemoContext(host="127.0.0.1", port=0)

        async def main():
            ctx.stop = asyncio.Event()
            await asyncio.gather(embedded.run_broker(ctx), embedded.run_gateway(ctx))

        thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
        thread.start()
        try:
            wait_for(lambda: embedded.broker_listening("127.0.0.1", free_port), what="the broker")
            # The port listens a moment before run_broker records the broker as its own.
            wait_for(lambda: embedded._state["embedded_broker"], what="the embedded broker")
            lamp = paho.Client(CallbackAPIVersion.VERSION2, client_id="lamp-d1")
            lamp.connect("127.0.0.1", free_port)
            lamp.loop_start()
            deadline = time.monotonic() + 30
            n = 0
            while not Telemetry.objects.filter(asset=light).exists():
                assert time.monotonic() < deadline, "nothing stored"
                body = {"ts": 1_790_000_000 + n, "level": 30}
                lamp.publish(f"{prefix}/SL-D1/telemetry", json.dumps(body), qos=1)
                n += 1
                time.sleep(0.5)
            lamp.loop_stop()
            lamp.disconnect()
        finally:
            loop.call_soon_threadsafe(ctx.stop.set)
            thread.join(30)


def test_the_banner_waits_for_the_embedded_broker_and_a_late_ack_is_counted_not_logged(
    free_port, caplog
):
    """The demo says "running" only once its broker listens; amqtt's record of a PUBACK later
    than its fixed 5 s (while the demo starts) is counted into one line, not a traceback each."""
    with override_settings(MQTT_URL=f"mqtt://127.0.0.1:{free_port}"):
        embedded._state.update(embedded_broker=False)
        loop = asyncio.new_event_loop()
        ctx = DemoContext(host="127.0.0.1", port=0)
        seen: dict = {}

        async def main():
            ctx.stop = asyncio.Event()
            broker = asyncio.create_task(embedded.run_broker(ctx))
            await asyncio.sleep(0)  # its first step registers what the banner waits for
            seen["waits_for"] = set(ctx.banner_waits_for)
            await ctx.wait_ready(*ctx.banner_waits_for)
            seen["listening"] = embedded.broker_listening("127.0.0.1", free_port)
            late = logging.getLogger("amqtt.mqtt.protocol.handler")
            late.warning("Timeout waiting for PUBACK for packet ID 7")
            logging.getLogger("amqtt.broker").warning("Invalid connection from (client @=x)")
            logging.getLogger("amqtt.broker").warning("an unexpected broker warning")
            ctx.stop.set()
            await broker

        with caplog.at_level(logging.INFO):
            loop.run_until_complete(main())
        loop.close()
    assert seen == {"waits_for": {"mqtt"}, "listening": True}
    text = caplog.text
    assert "Timeout waiting for PUBACK" not in text and "Invalid connection" not in text
    assert "an unexpected broker warning" in text
    assert "1 QoS 1 deliveries acknowledged after amqtt's 5 s limit" in text
