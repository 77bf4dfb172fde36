"""Pieces shared by the gateway benchmarks: a private Mosquitto, a gateway process, devices.

`python -m tests.benchmarks._mqtt_bench bench_ingest [--quick]` runs one benchmark alone.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityplatform.mqtt import mqtt_address
from tests.benchmarks.common import django_database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def private_broker():
    """A Mosquitto of our own on a free port (no queue limit, so a backlog can be built);
    falls back to MQTT_URL when Mosquitto is not installed. Yields (url, note)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        yield settings.MQTT_URL, "MQTT_URL broker"
        return
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\nlog_type error\nset_tcp_nodelay true\n"
    )
    process = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    try:
        yield f"mqtt://127.0.0.1:{port}", f"private mosquitto on :{port}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def start_gateway(mqtt_url: str, prefix: str, client_id: str, *extra: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=django_database_url(),
        MQTT_URL=mqtt_url,
        MQTT_TOPIC_PREFIX=prefix,
        MQTT_CLIENT_ID=client_id,
        FRIGATE_TOPIC=f"{prefix}/frigate/events",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_gateway", "--no-opcua", *extra],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def client(mqtt_url: str, client_id: str | None = None, *, persistent: bool = False):
    host, port = mqtt_address(mqtt_url)
    c = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or f"bench-{uuid.uuid4().hex[:8]}",
        protocol=paho.MQTTv5,
    )
    c.max_inflight_messages_set(65535)
    c.max_queued_messages_set(0)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600 if persistent else 0
    properties.ReceiveMaximum = 65535
    c.connect(host, port, clean_start=not persistent, properties=properties)
    return c


def publish_all(mqtt_url: str, messages: list[tuple[str, bytes]]) -> float:
    """Publishes at QoS 1 as fast as the broker takes them; returns messages per second."""
    c = client(mqtt_url)
    c.loop_start()
    started = time.perf_counter()
    for start in range(0, len(messages), 20_000):  # paho keeps at most 65,535 in flight
        infos = [c.publish(t, p, qos=1) for t, p in messages[start : start + 20_000]]
        for info in infos:
            info.wait_for_publish(120)
    elapsed = time.perf_counter() - started
    c.disconnect()
    c.loop_stop()
    return len(messages) / elapsed


def create_session(mqtt_url: str, client_id: str, filters: list[str]) -> None:
    """Creates a persistent session with subscriptions, then leaves (messages queue for it)."""
    c = client(mqtt_url, client_id, persistent=True)
    c.loop_start()
    c.subscribe([(f, paho.SubscribeOptions(qos=1)) for f in filters])
    time.sleep(0.5)
    c.disconnect()
    c.loop_stop()


def bare_drain(mqtt_url: str, client_id: str, expected: int, timeout: float = 300) -> float:
    """A bare paho subscriber (auto-ack) drains its queued session; messages per second."""
    counter = {"n": 0, "first": None, "last": None}

    def on_message(c, u, m):
        now = time.perf_counter()
        if counter["first"] is None:
            counter["first"] = now
        counter["n"] += 1
        counter["last"] = now

    c = client(mqtt_url, client_id, persistent=True)
    c.on_message = on_message
    c.loop_start()
    deadline = time.monotonic() + timeout
    while counter["n"] < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    c.disconnect()
    c.loop_stop()
    if counter["n"] < 2:
        return 0.0
    return (counter["n"] - 1) / (counter["last"] - counter["first"])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    import importlib
    import json

    import django

    django.setup()
    module = importlib.import_module(f"tests.benchmarks.{sys.argv[1]}")
    for row in module.run(quick="--quick" in sys.argv):
        print(json.dumps(row), flush=True)
