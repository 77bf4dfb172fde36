"""Telemetry ingest of the device gateway: messages stored per second, with zero loss, beside
what a bare paho subscriber drains from the same broker in the same run; gateway memory with
100,000 known devices.

Method: a persistent session for the gateway's client id is created on a private Mosquitto
(no queue limit), N QoS 1 telemetry messages are published into it while no gateway runs, then
`manage.py run_gateway` starts and drains the backlog: rate = stored messages / time from the
first stored row to the last. A bare paho subscriber (auto-acks, stores nothing) drains the same
backlog from its own session: that is the ceiling of the Python MQTT client on this machine. The
ratio says what storing with acks after commit costs. The peer figure is ThingsBoard's 5,000
msg/s on 2 vCPU (with Kafka).

Run alone: `DATABASE_URL=… python -m tests.benchmarks._mqtt_bench bench_ingest [--quick]`.
"""

import json
import time
import uuid

from devices.choices import AssetKind
from devices.models import Asset, AssetState, LevelChange, Telemetry
from tests.benchmarks._mqtt_bench import (
    bare_drain,
    create_session,
    private_broker,
    publish_all,
    rss_mb,
    start_gateway,
)

GOAL = 10_000
T0 = 1_790_000_000


def _devices(count: int, prefix_id: str) -> list[int]:
    Asset.objects.bulk_create(
        [
            Asset(
                device_id=f"{prefix_id}{n:06d}",
                kind=AssetKind.STREETLIGHT,
                latitude=51.5,
                longitude=-0.09,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    return list(Asset.objects.filter(device_id__startswith=prefix_id).values_list("pk", flat=True))


def _cleanup_samples(prefix_id: str) -> None:
    """Empties the devices' telemetry and state between two runs over the same messages."""
    assets = Asset.objects.filter(device_id__startswith=prefix_id)
    Telemetry.objects.filter(asset__in=assets).delete()
    LevelChange.objects.filter(asset__in=assets).delete()
    AssetState.objects.filter(asset__in=assets).delete()


def _cleanup(prefix_id: str) -> None:
    pks = list(Asset.objects.filter(device_id__startswith=prefix_id).values_list("pk", flat=True))
    for start in range(0, len(pks), 20_000):
        chunk = pks[start : start + 20_000]
        Telemetry.objects.filter(asset_id__in=chunk).delete()
        LevelChange.objects.filter(asset_id__in=chunk).delete()
        AssetState.objects.filter(asset_id__in=chunk).delete()
        Asset.objects.filter(pk__in=chunk).delete()


def _messages(prefix: str, device_ids: list[str], count: int) -> list[tuple[str, bytes]]:
    out = []
    for n in range(count):
        device = device_ids[n % len(device_ids)]
        body = {
            "ts": T0 + n // len(device_ids),
            "level": (n * 7) % 101,
            "power_w": 30.5,
            "energy_wh": 1000 + n,
        }
        out.append((f"{prefix}/{device}/telemetry", json.dumps(body).encode()))
    return out


def _ingest(mqtt_url: str, messages, prefix: str, expected: int, workers: int):
    """Builds the backlog in the gateway's session(s), starts the gateway, times the drain."""
    client_id = f"bench-gw-{uuid.uuid4().hex[:8]}"
    if workers == 1:
        create_session(mqtt_url, client_id, [f"{prefix}/+/telemetry"])
    else:
        for index in range(workers):
            create_session(
                mqtt_url, f"{client_id}-w{index}", [f"$share/{client_id}/{prefix}/+/telemetry"]
            )
    publish_all(mqtt_url, messages)
    before = Telemetry.objects.count()
    gateway = start_gateway(mqtt_url, prefix, client_id, "--workers", str(workers))
    try:
        first_at = first_count = None
        deadline = time.monotonic() + 600
        peak_rss = 0.0
        stored = 0
        while time.monotonic() < deadline:
            stored = Telemetry.objects.count() - before
            now = time.perf_counter()
            peak_rss = max(peak_rss, rss_mb(gateway.pid))
            if stored and first_at is None:
                first_at, first_count = now, stored
            if stored >= expected:
                break
            time.sleep(0.1)
        end = time.perf_counter()
        rate = (stored - first_count) / (end - first_at) if first_at and end > first_at else 0
        return rate, stored, peak_rss
    finally:
        gateway.terminate()
        gateway.wait(30)


def run(*, quick: bool) -> list[dict]:
    devices = 2_000 if quick else 10_000
    total = 20_000 if quick else 100_000
    prefix_id = f"BI{uuid.uuid4().hex[:4]}-"
    prefix = f"bench/{uuid.uuid4().hex[:8]}"
    filters = [f"{prefix}/+/telemetry"]
    results = []
    try:
        _devices(devices, prefix_id)
        device_ids = [f"{prefix_id}{n:06d}" for n in range(devices)]
        messages = _messages(prefix, device_ids, total)
        with private_broker() as (mqtt_url, broker):
            # The ceiling: a bare paho subscriber draining the same kind of backlog.
            bare_id = f"bench-bare-{uuid.uuid4().hex[:8]}"
            create_session(mqtt_url, bare_id, filters)
            publish_all(mqtt_url, messages)
            bare = bare_drain(mqtt_url, bare_id, total)
            _cleanup_samples(prefix_id)
            rate1, stored1, peak_rss = _ingest(mqtt_url, messages, prefix, total, 1)
            _cleanup_samples(prefix_id)
            rate, stored, _rss = _ingest(mqtt_url, messages, prefix, total, 2)
        results.append(
            {
                "name": f"gateway telemetry ingest, one process ({total:,} QoS 1 msgs)",
                "value": round(rate1),
                "unit": "msg/s",
                "goal": "reference (one Python process)",
                "ok": stored1 == total,
                "peer": None,
            }
        )
        loss = total - stored
        results += [
            {
                "name": f"gateway telemetry ingest, run_gateway --workers 2 ({total:,} QoS 1 msgs, "
                f"{devices:,} devices, {broker})",
                "value": round(rate),
                "unit": "msg/s",
                "goal": f">= {GOAL:,} msg/s, zero loss",
                "ok": rate >= GOAL and loss == 0,
                "peer": "ThingsBoard 3.3: 5,000 msg/s on 2 vCPU (Kafka)",
            },
            {
                "name": "ingest messages lost",
                "value": loss,
                "unit": "messages",
                "goal": "0",
                "ok": loss == 0,
                "peer": None,
            },
            {
                "name": "bare paho subscriber drain (same broker, same run)",
                "value": round(bare),
                "unit": "msg/s",
                "goal": "reference",
                "ok": None,
                "peer": None,
            },
            {
                "name": "gateway ingest (--workers 2) / bare paho drain",
                "value": round(rate / bare, 2) if bare else 0.0,
                "unit": "ratio",
                "goal": "as close to 1 as storage allows",
                "ok": None,
                "peer": None,
            },
            {
                "name": f"gateway peak RSS while ingesting ({devices:,} known devices)",
                "value": round(peak_rss, 1),
                "unit": "MB",
                "goal": "reference",
                "ok": None,
                "peer": None,
            },
        ]
    finally:
        _cleanup(prefix_id)
    results.append(_memory(quick=quick))
    return results


def _memory(*, quick: bool) -> dict:
    """The gateway's resident memory with 100,000 known devices (registry loaded, idle)."""
    count = 10_000 if quick else 100_000
    prefix_id = f"BM{uuid.uuid4().hex[:4]}-"
    try:
        _devices(count, prefix_id)
        with private_broker() as (mqtt_url, _broker):
            gateway = start_gateway(mqtt_url, "bench/mem", f"bench-mem-{uuid.uuid4().hex[:6]}")
            try:
                time.sleep(8)
                rss = rss_mb(gateway.pid)
            finally:
                gateway.terminate()
                gateway.wait(30)
    finally:
        _cleanup(prefix_id)
    return {
        "name": f"gateway memory (RSS) with {count:,} known devices",
        "value": round(rss, 1),
        "unit": "MB",
        "goal": "<= 300 MB",
        "ok": rss <= 300,
        "peer": None,
    }
