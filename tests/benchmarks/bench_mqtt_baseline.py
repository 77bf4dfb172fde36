"""Physical limits of the broker on this machine: bare paho QoS 1 drain and publish rates.

The gateway's figures are read against these, measured in the same run on the same broker:
    ingest rate / what a bare paho subscriber drains (publisher in another process)
    command fan-out / what a bare paho publisher pushes (PUBACKs received)

Other benchmark modules call `drain_rate(quick=...)` and `publish_rate(quick=...)`; each is
measured once per process and cached, so the ratios in one `make bench` share one baseline.
Run as a script, the module is the publisher process of the drain measurement.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from tests.benchmarks import common

FULL_MESSAGES = 50_000
QUICK_MESSAGES = 2_000
DEVICES = 1_000  # topics the messages spread over, as lights would
INFLIGHT = 100  # QoS 1 messages in flight per client (paho's default is 20)
TIMEOUT_S = 300
IDLE_S = 2.0  # no message for this long: the broker has delivered all it will
ROOT = Path(__file__).resolve().parents[2]

_cache: dict[tuple[str, str, int], float] = {}


def telemetry_payload(index: int) -> bytes:
    """A lamp's telemetry message as the contract has it (about 100 bytes)."""
    return json.dumps(
        {
            "ts": 1_760_000_000 + index,
            "level": index % 101,
            "power_w": 42.5,
            "energy_wh": 1000.0 + index,
            "temp_c": 11.5,
        }
    ).encode()


def _client(client_id: str) -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
    )
    client.max_inflight_messages_set(INFLIGHT)
    client.max_queued_messages_set(0)  # unbounded: publish() never refuses
    return client


def _connect(client: mqtt.Client, url: str) -> None:
    host, port = common.mqtt_address(url)
    connected = threading.Event()
    client.on_connect = lambda c, u, flags, reason, props: connected.set()
    client.connect(host, port, keepalive=60)
    client.loop_start()
    if not connected.wait(10):
        client.loop_stop()
        raise ConnectionError(f"no CONNACK from {host}:{port}")


def publish(*, url: str, prefix: str, count: int, suffix: str = "telemetry") -> dict:
    """Publishes `count` QoS 1 messages to `prefix/<device>/<suffix>` as fast as one paho
    client can, and waits for every PUBACK. Returns {"messages", "seconds", "rate"}."""
    client = _client(common.unique_client_id("bench-pub"))
    acked = 0
    done = threading.Event()
    lock = threading.Lock()

    def on_publish(c, userdata, mid, reason, props):
        nonlocal acked
        with lock:
            acked += 1
            if acked >= count:
                done.set()

    client.on_publish = on_publish
    _connect(client, url)
    try:
        started = time.perf_counter()
        for index in range(count):
            client.publish(
                f"{prefix}/dev-{index % DEVICES:05d}/{suffix}", telemetry_payload(index), qos=1
            )
        if not done.wait(TIMEOUT_S):
            raise TimeoutError(f"only {acked} of {count} PUBACKs in {TIMEOUT_S} s")
        seconds = time.perf_counter() - started
    finally:
        client.disconnect()
        client.loop_stop()
    return {"messages": count, "seconds": seconds, "rate": count / seconds}


def publisher_process(*, url: str, prefix: str, count: int, suffix: str = "telemetry"):
    """A publisher in another process (so it does not share this one's interpreter lock):
    `python -m tests.benchmarks.bench_mqtt_baseline …`. Its last stdout line is the JSON of
    `publish(...)`. The caller waits for it."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_mqtt_baseline",
            "--url",
            url,
            "--prefix",
            prefix,
            "--count",
            str(count),
            "--suffix",
            suffix,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def measure_drain(*, url: str, count: int) -> dict:
    """A bare paho subscriber (QoS 1, automatic acks) receives `count` messages that a publisher
    in another process sends; the rate is counted from its first message to its last."""
    prefix = common.unique_prefix("baseline")
    client = _client(common.unique_client_id("bench-sub"))
    received = 0
    first = last = 0.0
    done = threading.Event()
    subscribed = threading.Event()

    def on_message(c, userdata, message):
        nonlocal received, first, last
        now = time.perf_counter()
        if received == 0:
            first = now
        received += 1
        last = now
        if received >= count:
            done.set()

    client.on_message = on_message
    client.on_subscribe = lambda c, u, mid, codes, props: subscribed.set()
    _connect(client, url)
    try:
        client.subscribe(f"{prefix}/+/telemetry", qos=1)
        if not subscribed.wait(10):
            raise ConnectionError("no SUBACK")
        publisher = publisher_process(url=url, prefix=prefix, count=count)
        out, _ = publisher.communicate(timeout=TIMEOUT_S)
        if publisher.returncode:
            raise RuntimeError(f"the publisher process failed ({publisher.returncode})")
        published = json.loads(out.strip().splitlines()[-1])
        # A broker drops QoS 1 messages for a client whose queue is full (Mosquitto's
        # max_queued_messages, 1000 by default): then the subscriber was the bottleneck, and
        # what it received, first to last, is its drain rate. Wait until nothing more comes.
        while not done.wait(IDLE_S):
            if time.perf_counter() - last > IDLE_S:
                break
        if received < 2:
            raise TimeoutError(f"only {received} of {count} messages arrived")
    finally:
        client.disconnect()
        client.loop_stop()
    seconds = max(last - first, 1e-9)
    return {
        "messages": received,
        "seconds": seconds,
        "rate": (received - 1) / seconds,
        "publisher_rate": published["rate"],
        "dropped": count - received,
    }


def _size(quick: bool, messages: int | None) -> int:
    return messages or (QUICK_MESSAGES if quick else FULL_MESSAGES)


def drain_rate(*, quick: bool = False, messages: int | None = None, url: str | None = None):
    """msg/s a bare paho subscriber drains from the broker (cached per process)."""
    url = url or common.mqtt_url()
    key = ("drain", url, _size(quick, messages))
    if key not in _cache:
        _cache[key] = measure_drain(url=url, count=key[2])["rate"]
    return _cache[key]


def publish_rate(*, quick: bool = False, messages: int | None = None, url: str | None = None):
    """msg/s a bare paho publisher gets acknowledged by the broker (cached per process)."""
    url = url or common.mqtt_url()
    key = ("publish", url, _size(quick, messages))
    if key not in _cache:
        prefix = common.unique_prefix("baseline")
        _cache[key] = publish(url=url, prefix=prefix, count=key[2], suffix="cmd")["rate"]
    return _cache[key]


def run(*, quick: bool) -> list[dict]:
    url = common.mqtt_url()
    count = _size(quick, None)
    drain = measure_drain(url=url, count=count)
    _cache[("drain", url, count)] = drain["rate"]
    pushed = publish_rate(quick=quick)
    note = f"physical limit; QoS 1, {count:,} messages, {INFLIGHT} in flight"
    return [
        common.figure(
            "bare paho subscriber drain (QoS 1)",
            drain["rate"],
            "msg/s",
            goal="measured: the limit of ingest",
            peer=f"{note}; publisher sent {drain['publisher_rate']:,.0f} msg/s"
            + (f"; broker dropped {drain['dropped']:,} (queue full)" if drain["dropped"] else ""),
        ),
        common.figure(
            "bare paho publisher, PUBACKed (QoS 1)",
            pushed,
            "msg/s",
            goal="measured: the limit of command fan-out",
            peer=note,
        ),
    ]


def _main() -> None:
    parser = argparse.ArgumentParser(description="The publisher process of the drain baseline.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--suffix", default="telemetry")
    args = parser.parse_args()
    result = publish(url=args.url, prefix=args.prefix, count=args.count, suffix=args.suffix)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    _main()
