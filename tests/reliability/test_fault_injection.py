"""Faults injected into the real services and processes while telemetry flows: nothing lost,
nothing stored twice. Each test disturbs only private instances on ports of its own."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db.models import Count

from devices.models import Telemetry
from tests.devices.gateway_helpers import make_light, unique_prefix, wait_for
from tests.reliability.conftest import size
from tests.reliability.processes import DevicePublisher, GatewayProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

T0 = 1_790_000_000
DEVICES = 20


def telemetry(n: int) -> bytes:
    return json.dumps({"ts": T0 + n // DEVICES, "level": n % 101, "power_w": 20.0}).encode()


def device_of(n: int) -> str:
    return f"SL-R{n % DEVICES:03d}"


def assert_each_stored_once(total: int, timeout: float) -> None:
    wait_for(lambda: Telemetry.objects.count() >= total, timeout=timeout, what="all stored")
    time.sleep(1.0)  # anything redelivered on top would show now
    assert Telemetry.objects.count() == total
    per_device = dict(
        Telemetry.objects.values_list("asset__device_id").annotate(n=Count("id")).order_by()
    )
    assert per_device == {device_of(d): total // DEVICES for d in range(DEVICES)}
    assert not Telemetry.objects.values("asset", "ts").annotate(n=Count("id")).filter(n__gt=1)


def publish_in_background(publisher: DevicePublisher, total: int) -> threading.Thread:
    def run():
        for n in range(total):
            publisher.publish(device_of(n), telemetry(n))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_mosquitto_restart_while_telemetry_flows_loses_nothing(private_mosquitto):
    total = size(4_000, 100_000)
    for d in range(DEVICES):
        make_light(device_of(d))
    broker = private_mosquitto()
    prefix = unique_prefix()
    gateway = GatewayProcess(broker.url, prefix).start()
    publisher = None
    try:
        gateway.wait_online()
        publisher = DevicePublisher(broker.url, prefix)
        flow = publish_in_background(publisher, total)
        wait_for(lambda: Telemetry.objects.count() >= total // 4, timeout=120, what="a quarter")
        broker.restart(down_s=1.0)  # in the middle of the flow
        flow.join(300)
        assert publisher.wait_all_acked(timeout=300) == total
        assert_each_stored_once(total, timeout=300)
    finally:
        if publisher:
            publisher.close()
        gateway.stop()


def test_the_gateway_killed_mid_batch_and_restarted_loses_nothing(private_mosquitto):
    total = size(4_000, 100_000)
    for d in range(DEVICES):
        make_light(device_of(d))
    broker = private_mosquitto()
    prefix = unique_prefix()
    gateway = GatewayProcess(broker.url, prefix).start()
    publisher = None
    try:
        gateway.wait_online()
        publisher = DevicePublisher(broker.url, prefix)
        flow = publish_in_background(publisher, total)
        wait_for(lambda: Telemetry.objects.count() >= total // 4, timeout=120, what="a quarter")
        gateway.kill()  # SIGKILL: no chance to tidy up, batches in flight
        flow.join(300)
        gateway = GatewayProcess(broker.url, prefix, client_id=gateway.client_id).start()
        assert publisher.wait_all_acked(timeout=300) == total
        assert_each_stored_once(total, timeout=300)
    finally:
        if publisher:
            publisher.close()
        gateway.stop()


SEED_LIGHTS = """
from devices.choices import AssetKind
from devices.models import Asset, StreetlightDetails
for d in range({devices}):
    a = Asset.objects.create(
        device_id=f"SL-R{{d:03d}}", kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.09
    )
    StreetlightDetails.objects.create(asset=a)
"""


def manage(database_url: str, *args: str) -> None:
    import subprocess
    import sys

    from tests.benchmarks.common import child_env
    from tests.reliability.processes import ROOT

    env = child_env(DATABASE_URL=database_url)
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def stored_in(database_url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=2) as conn:
            return conn.execute("SELECT count(*) FROM devices_telemetry").fetchone()[0]
    except psycopg.OperationalError:
        return -1


def test_postgresql_away_the_gateway_holds_back_and_catches_up(private_mosquitto, private_postgres):
    total = size(3_000, 30_000)
    down_s = size(8, 30)
    database = private_postgres()
    url = database.create_database("city")
    manage(url, "migrate", "--no-input")
    manage(url, "shell", "-c", SEED_LIGHTS.format(devices=DEVICES))
    broker = private_mosquitto()
    prefix = unique_prefix()
    gateway = GatewayProcess(broker.url, prefix, database_url=url).start()
    publisher = None
    try:
        gateway.wait_online()
        publisher = DevicePublisher(broker.url, prefix)
        for n in range(total // 3):
            publisher.publish(device_of(n), telemetry(n))
        wait_for(lambda: stored_in(url) >= total // 3, timeout=120, what="the first third")
        database.stop(mode="immediate")  # the database goes away …
        for n in range(total // 3, total):
            publisher.publish(device_of(n), telemetry(n))
        time.sleep(down_s)  # … for a while, with messages arriving
        assert gateway.process.poll() is None, "the gateway died while the database was away"
        database.start()
        wait_for(lambda: stored_in(url) >= total, timeout=300, what="caught up")
        time.sleep(1.0)
        assert stored_in(url) == total
        assert publisher.wait_all_acked(timeout=60) == total
    finally:
        if publisher:
            publisher.close()
        gateway.stop()


def test_a_restarted_gateway_sends_each_pending_command_once_and_no_expired_one(
    private_mosquitto,
):
    from datetime import timedelta

    from devices.choices import CommandState
    from devices.models import Command
    from devices.services.commands import commands_issue
    from tests.reliability.mqtt_tools import Collector

    lights = [make_light(f"SL-C{n:03d}") for n in range(size(12, 200))]
    live, expiring = lights[: len(lights) * 2 // 3], lights[len(lights) * 2 // 3 :]
    broker = private_mosquitto()
    prefix = unique_prefix()
    gateway = GatewayProcess(broker.url, prefix).start()
    devices = Collector(broker.url, f"{prefix}/+/cmd")
    try:
        gateway.wait_online()
        gateway.kill()  # the gateway is down …
        # … while commands are decided: some still valid at restart, some expired by then
        commands_issue(
            levels={light.pk: 80 for light in expiring},
            reason="test",
            issued_by="test",
            ttl=timedelta(seconds=1),
        )
        wanted = commands_issue(levels={light.pk: 60 for light in live}, reason="t", issued_by="t")
        time.sleep(1.5)
        gateway = GatewayProcess(broker.url, prefix, client_id=gateway.client_id).start()
        devices.wait_for(len(live), timeout=60)
        time.sleep(3.0)  # well inside the 30 s acknowledgement time-out: no retry yet
        sent = [json.loads(payload)["id"] for _, payload in devices.messages]
        assert sorted(sent) == sorted(str(c.pk) for c in wanted)  # each once, none expired
        wait_for(
            lambda: (
                Command.objects.filter(asset__in=expiring, state=CommandState.EXPIRED).count()
                == len(expiring)
            ),
            timeout=30,
            what="the expired commands marked EXPIRED",
        )
    finally:
        devices.close()
        gateway.stop()
