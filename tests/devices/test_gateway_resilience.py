"""At-least-once without loss: a gateway killed mid-stream loses nothing and stores nothing
twice; two gateways sharing a subscription split the load and lose nothing."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from devices.models import Telemetry
from tests.benchmarks.common import django_database_url
from tests.devices.gateway_helpers import (
    Peer,
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    unique_prefix,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_790_000_000


def run_gateway_process(prefix: str, client_id: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=django_database_url(),
        MQTT_TOPIC_PREFIX=prefix,
        MQTT_CLIENT_ID=client_id,
        FRIGATE_TOPIC=f"{prefix}/frigate/events",
        MQTT_URL=settings.MQTT_URL,
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_gateway", "--no-opcua"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_online(peer: Peer, prefix: str) -> None:
    """Waits for the gateway's birth message (it has subscribed by then)."""
    peer.received.clear()
    peer.subscribe(f"{prefix}/_gateway/status")
    wait_for(
        lambda: any(p == b"online" for _, p in peer.received[-1:]),
        timeout=60,
        what="the gateway's birth",
    )
    time.sleep(0.5)


def stored(light) -> int:
    return Telemetry.objects.filter(asset=light).count()


def test_a_gateway_killed_mid_stream_and_restarted_stores_every_message_once():
    prefix, client_id = unique_prefix(), f"gw-kill-{uuid.uuid4().hex[:8]}"
    light = make_light("SL-K1")
    total = 600
    gateway = run_gateway_process(prefix, client_id)
    device, watcher = Peer(), Peer()
    try:
        wait_online(watcher, prefix)  # the gateway is up and its persistent session exists
        device.publish(f"{prefix}/SL-K1/telemetry", {"ts": T0, "level": 1})
        wait_for(lambda: stored(light) == 1, timeout=60, what="the first message")
        sent = 1
        while stored(light) < 150:  # mid-stream …
            device.publish(f"{prefix}/SL-K1/telemetry", {"ts": T0 + sent, "level": sent % 100})
            sent += 1
        gateway.send_signal(signal.SIGKILL)  # … killed without a chance to tidy up
        gateway.wait(10)
        while sent < total:  # published while it is down: queued in its session
            device.publish(f"{prefix}/SL-K1/telemetry", {"ts": T0 + sent, "level": sent % 100})
            sent += 1

        gateway = run_gateway_process(prefix, client_id)
        wait_for(lambda: stored(light) >= total, timeout=60, what="every message stored")
        time.sleep(1.0)  # anything redelivered on top would show now
        assert stored(light) == total
        seconds = Telemetry.objects.filter(asset=light).values_list("ts", flat=True)
        assert sorted(int(ts.timestamp()) - T0 for ts in seconds) == list(range(total))
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(15)
        device.close()
        watcher.close()
        forget_session(client_id)


def test_two_gateways_sharing_a_subscription_split_the_load_and_lose_nothing():
    prefix, group = unique_prefix(), f"g{uuid.uuid4().hex[:6]}"
    lights = [make_light(f"SL-SH{i}") for i in range(4)]
    first = start_gateway(gateway_options(prefix, share=group))
    second = start_gateway(gateway_options(prefix, share=group))
    device = Peer()
    total = 400
    try:
        for n in range(total):
            light = lights[n % 4]
            device.publish(f"{prefix}/{light.device_id}/telemetry", {"ts": T0 + n, "level": 50})
        wait_for(
            lambda: Telemetry.objects.filter(asset__in=lights).count() >= total,
            timeout=60,
            what="all stored",
        )
        assert Telemetry.objects.filter(asset__in=lights).count() == total
        assert first.stats.received > 0 and second.stats.received > 0
        assert first.stats.received + second.stats.received == total
    finally:
        for gateway in (first, second):
            gateway.stop()
            forget_session(gateway.options.client_id)
        device.close()
