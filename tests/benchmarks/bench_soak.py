"""Soak at twice the City of London: 12,000 lights reporting every 10 s, 100 cameras, 10 alarms/min.

The real gateway (`manage.py run_gateway`) and a Celery worker on the `alerts` and `commands`
queues run against PostgreSQL, Redis and the broker at MQTT_URL; a load generator in another
process publishes the city's telemetry and camera events at a steady pace. Each camera has a
purpose, an allowlist and three linked lights, and one rule raises an alarm with a lighting
response for each intrusion: 10 alarms a minute, each with its override and light commands.
Every minute (every quarter of the run with --quick) the benchmark samples the gateway's and
the worker's memory, the rows stored, the ingest latency of probe messages (published →
stored, polled in the database) and the alert latency of that minute's alarms (the camera's
event time → the override's commands queued, from the platform's own AlarmLatency records).
Figures: stored rate against the offered rate, the worst minute's p95 ingest and alert
latency, the alarms raised against the events sent, the memory trends (least-squares slope
after the first minute). The curves go to
var/soak.json and, with matplotlib installed, to docs/performance-soak.png (full runs only).

Duration: BENCH_SOAK_SECONDS (default 600; quick 20), or `--soak-seconds` of the runner.
Not part of a plain `make bench` (DEFAULT = False): `python -m tests.benchmarks --only soak`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt

from tests.benchmarks import common

DEFAULT = False
ROOT = Path(__file__).resolve().parents[2]
LIGHTS, CAMERAS, PERIOD_S, ALARMS_PER_MIN = 12_000, 100, 10.0, 10
QUICK_LIGHTS = 1_200
PROBES_PER_SAMPLE = 10
LATENCY_GOAL_MS = 1_000.0
ALERT_GOAL_MS = 1_000.0
ALERT_TREND_GOAL_MS_PER_MIN = 50.0  # "p95 alert latency held": no rising trend
LIGHTS_PER_CAMERA = 3
RULE = "soak intrusion boost"
GROWTH_GOAL_MB_PER_MIN = 1.0


# --- the load generator (another process) -----------------------------------------------------


def generate(*, url: str, prefix: str, lights: int, cameras: int, seconds: float) -> None:
    """Publishes each light's telemetry every PERIOD_S and ALARMS_PER_MIN camera events a
    minute, spread evenly, until `seconds` have passed."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=common.unique_client_id("gen"))
    client.max_inflight_messages_set(200)
    client.max_queued_messages_set(0)
    host, port = common.mqtt_address(url)
    client.connect(host, port)
    client.loop_start()
    tick = 0.1
    per_second = lights / PERIOD_S
    event_every = 60.0 / ALARMS_PER_MIN
    started = last = time.monotonic()
    next_event = started + event_every / 2
    due, light, camera = 0.0, 0, 0
    while (now := time.monotonic()) - started < seconds:
        due += per_second * (now - last)  # paced by the clock: a slow tick is caught up
        last = now
        wall = int(time.time())
        while due >= 1:
            body = {"ts": wall, "level": 50 + light % 50, "power_w": 35.0, "energy_wh": 1.0}
            client.publish(f"{prefix}/SOAK-L{light:05d}/telemetry", json.dumps(body), qos=1)
            light = (light + 1) % lights
            due -= 1
        if now >= next_event:
            event = {"id": uuid.uuid4().hex, "ts": time.time(), "type": "intrusion"}
            event["confidence"] = 0.9
            client.publish(f"{prefix}/SOAK-C{camera:03d}/event", json.dumps(event), qos=1)
            camera = (camera + 1) % cameras
            next_event += event_every
        time.sleep(max(0.0, tick - (time.monotonic() - now)))
    client.disconnect()
    client.loop_stop()


# --- the benchmark ------------------------------------------------------------------------------


def _create_assets(lights: int, cameras: int) -> None:
    from cctv.services.rules import alarm_rule_create
    from devices.choices import AssetKind
    from devices.models import Asset, CameraDetails, CameraLight, StreetlightDetails

    assets = [
        Asset(
            device_id=f"SOAK-L{n:05d}", kind=AssetKind.STREETLIGHT, latitude=51.51, longitude=-0.09
        )
        for n in range(lights)
    ] + [Asset(device_id="SOAK-PROBE", kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.1)]
    Asset.objects.bulk_create(assets, batch_size=5000)
    StreetlightDetails.objects.bulk_create(
        [StreetlightDetails(asset=a) for a in Asset.objects.filter(kind=AssetKind.STREETLIGHT)],
        batch_size=5000,
    )
    cams = Asset.objects.bulk_create(
        [
            Asset(
                device_id=f"SOAK-C{n:03d}", kind=AssetKind.CAMERA, latitude=51.51, longitude=-0.09
            )
            for n in range(cameras)
        ]
    )
    CameraDetails.objects.bulk_create(
        [
            CameraDetails(asset=a, purpose="Soak: public safety", analytics_allowlist=["intrusion"])
            for a in cams
        ]
    )
    by_id = dict(
        Asset.objects.filter(device_id__startswith="SOAK-L").values_list("device_id", "pk")
    )
    CameraLight.objects.bulk_create(
        [
            CameraLight(
                camera=cam,
                light_id=by_id[f"SOAK-L{(n * LIGHTS_PER_CAMERA + k) % lights:05d}"],
                distance_m=10.0 * (k + 1),
            )
            for n, cam in enumerate(cams)
            for k in range(LIGHTS_PER_CAMERA)
        ]
    )
    alarm_rule_create(
        actor="bench",
        name=RULE,
        event_types=["intrusion"],
        retrigger_s=0,
        light_scope="linked",
        light_level=100,
        light_duration_s=60,
    )


def _cleanup() -> None:
    from cctv.models import Alarm, AlarmRule
    from devices.models import Asset, Command, LevelChange, Telemetry
    from lighting.models import Override

    ids = list(Asset.objects.filter(device_id__startswith="SOAK-").values_list("pk", flat=True))
    alarms = Alarm.objects.filter(rule__name=RULE)
    Override.objects.filter(alarm_id__in=alarms.values("pk")).delete()
    alarms.delete()
    AlarmRule.objects.filter(name=RULE).delete()
    Command.objects.filter(asset_id__in=ids).delete()
    Telemetry.objects.filter(asset_id__in=ids).delete()
    LevelChange.objects.filter(asset_id__in=ids).delete()
    Asset.objects.filter(pk__in=ids).delete()


def _stored() -> int:
    from devices.models import Telemetry

    return Telemetry.objects.filter(asset__device_id__startswith="SOAK-L").count()


def _probe_latencies(client: mqtt.Client, prefix: str, count: int) -> list[float]:
    """Milliseconds from publishing a probe sample to seeing it stored."""
    from devices.models import Telemetry

    latencies = []
    for _ in range(count):
        ts = time.time()
        client.publish(f"{prefix}/SOAK-PROBE/telemetry", json.dumps({"ts": ts, "level": 1}), qos=1)
        when = datetime.fromtimestamp(ts, UTC)
        window = (when - timedelta(milliseconds=1), when + timedelta(milliseconds=1))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Telemetry.objects.filter(asset__device_id="SOAK-PROBE", ts__range=window).exists():
                latencies.append((time.time() - ts) * 1000)
                break
            time.sleep(0.01)
        time.sleep(0.2)
    return latencies


def _alert_latencies(since: datetime, until: datetime) -> list[float]:
    """Milliseconds from each alarm's camera event (its own time) to its lights' commands
    queued (to the alarm raised, for an alarm without commands), for alarms raised in
    [since, until)."""
    from cctv.models import AlarmLatency

    rows = AlarmLatency.objects.filter(
        alarm__rule__name=RULE, raised_at__gte=since, raised_at__lt=until
    ).values_list("event_ts", "raised_at", "commands_queued_at")
    return [((queued or raised) - ts).total_seconds() * 1000 for ts, raised, queued in rows]


def _alarms_and_events() -> tuple[int, int]:
    """Alarms raised with their override, and the camera events stored."""
    from cctv.models import Alarm, Event

    alarms = Alarm.objects.filter(rule__name=RULE, override_id__isnull=False).count()
    return alarms, Event.objects.filter(device__device_id__startswith="SOAK-C").count()


def _rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return (
        process.memory_info().rss + sum(c.memory_info().rss for c in process.children())
    ) / 2**20


def _slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def _plot(samples: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    minutes = [s["minute"] for s in samples]
    figure, (memory, latency, alerts) = plt.subplots(3, 1, sharex=True, figsize=(8, 8))
    memory.plot(minutes, [s["rss_mb"] for s in samples], marker="o", label="gateway")
    memory.plot(minutes, [s["worker_rss_mb"] for s in samples], marker="s", label="alerts worker")
    memory.set_ylabel("RSS (MB)")
    memory.legend()
    memory.set_title("Soak: 12,000 lights every 10 s, 100 cameras, 10 alarms/min")
    latency.plot(minutes, [s["p95_ms"] for s in samples], marker="o", label="p95")
    latency.plot(minutes, [s["p50_ms"] for s in samples], marker=".", label="p50")
    latency.set_ylabel("ingest latency (ms)")
    latency.legend()
    alerts.plot(minutes, [s["alert_p95_ms"] for s in samples], marker="o", label="p95")
    alerts.plot(minutes, [s["alert_p50_ms"] for s in samples], marker=".", label="p50")
    alerts.set_ylabel("alert latency (ms)\nevent → commands queued")
    alerts.set_xlabel("minute")
    alerts.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def run(*, quick: bool) -> list[dict]:
    seconds = float(os.environ.get("BENCH_SOAK_SECONDS") or (20 if quick else 600))
    lights = QUICK_LIGHTS if quick else LIGHTS
    interval = 60.0 if seconds >= 240 else seconds / 4
    prefix = common.unique_prefix("soak")
    url = common.mqtt_url()
    _create_assets(lights, CAMERAS)
    client_id = common.unique_client_id("soak-gw")
    env = common.child_env(MQTT_TOPIC_PREFIX=prefix, MQTT_CLIENT_ID=client_id, MQTT_URL=url)
    env["FRIGATE_TOPIC"] = f"{prefix}/frigate/events"
    gateway = subprocess.Popen(
        [sys.executable, "manage.py", "run_gateway", "--no-opcua"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from cityplatform.celery import app

    app.control.purge()  # nothing left queued by an earlier run
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "cityplatform", "worker", "--pool=solo"),
            *("-Q", "alerts,commands", "--without-heartbeat", "--without-gossip"),
            *("--without-mingle", "--loglevel=WARNING", "-n", f"{client_id}@%h"),
        ],
        cwd=ROOT,
        env=common.child_env(MQTT_URL=url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    generator = None
    probe = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=common.unique_client_id("p"))
    host, port = common.mqtt_address(url)
    probe.connect(host, port)
    probe.loop_start()
    samples: list[dict] = []
    try:
        common.wait_gateway_online(url, prefix, gateway)
        if not _probe_latencies(probe, prefix, 1):
            raise RuntimeError("the gateway stored nothing")
        arguments = ["--url", url, "--prefix", prefix, "--lights", str(lights)]
        arguments += ["--cameras", str(CAMERAS), "--seconds", str(seconds)]
        generator = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.bench_soak", *arguments], cwd=ROOT
        )
        started = previous_at = time.monotonic()
        previous = _stored()
        window_start = datetime.now(UTC)
        while time.monotonic() - started < seconds:
            time.sleep(max(0.0, interval - PROBES_PER_SAMPLE * 0.25))
            latencies = _probe_latencies(probe, prefix, PROBES_PER_SAMPLE)
            window_end = datetime.now(UTC)
            alerts = _alert_latencies(window_start, window_end)
            window_start = window_end
            stored, now = _stored(), time.monotonic()
            elapsed = now - started
            rate = (stored - previous) / (now - previous_at)
            previous, previous_at = stored, now
            samples.append(
                {
                    "minute": round(elapsed / 60, 2),
                    "rss_mb": round(_rss_mb(gateway.pid), 1),
                    "p50_ms": round(common.percentile(latencies, 50), 1),
                    "p95_ms": round(common.percentile(latencies, 95), 1),
                    "stored_per_s": round(rate, 1),
                    "worker_rss_mb": round(_rss_mb(worker.pid), 1),
                    "alarms": len(alerts),
                    "alert_p50_ms": round(common.percentile(alerts, 50), 1) if alerts else None,
                    "alert_p95_ms": round(common.percentile(alerts, 95), 1) if alerts else None,
                }
            )
        generator.wait(60)
        time.sleep(5)  # the last events' alarms
        alarms, events = _alarms_and_events()
    finally:
        for process in (generator, gateway, worker):
            if process and process.poll() is None:
                process.terminate()
                process.wait(30)
        probe.disconnect()
        probe.loop_stop()
        _cleanup()
    offered = lights / PERIOD_S
    steady = samples[1:] if len(samples) > 2 else samples
    growth = _slope([s["minute"] for s in steady], [s["rss_mb"] for s in steady])
    if quick:
        growth_note = "quick run: too short for a trend"
    else:
        growth_note = f"RSS {steady[0]['rss_mb']:.0f} → {steady[-1]['rss_mb']:.0f} MB"
    worst_p95 = max(s["p95_ms"] for s in samples)
    alert_p95s = [s["alert_p95_ms"] for s in samples if s["alert_p95_ms"] is not None]
    worst_alert = max(alert_p95s) if alert_p95s else float("nan")
    steady_alerts = [s for s in steady if s["alert_p95_ms"] is not None]
    alert_trend = _slope(
        [s["minute"] for s in steady_alerts], [s["alert_p95_ms"] for s in steady_alerts]
    )
    worker_growth = _slope([s["minute"] for s in steady], [s["worker_rss_mb"] for s in steady])
    stored_rate = common.percentile([s["stored_per_s"] for s in steady], 50)
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "soak.json").write_text(json.dumps(samples, indent=2))
    if not quick:
        _plot(samples, ROOT / "docs" / "performance-soak.png")
    minutes = f"{seconds / 60:.1f} min"
    return [
        common.figure(
            f"soak ({minutes}): telemetry stored (median minute)",
            stored_rate,
            "msg/s",
            goal=f"= offered {offered:,.0f} msg/s ({lights:,} lights / {PERIOD_S:.0f} s)",
            ok=stored_rate >= 0.95 * offered,
            peer=common.THINGSBOARD_PEER,
        ),
        common.figure(
            f"soak ({minutes}): worst minute's p95 ingest latency",
            worst_p95,
            "ms",
            goal=f"< {LATENCY_GOAL_MS:,.0f} ms every minute",
            ok=worst_p95 < LATENCY_GOAL_MS,
        ),
        common.figure(
            f"soak ({minutes}): alarms raised with their override ({ALARMS_PER_MIN} events/min)",
            alarms,
            "alarms",
            goal=f"= camera events stored ({events})",
            ok=alarms == events and events > 0,
        ),
        common.figure(
            f"soak ({minutes}): worst minute's p95 alert latency (event → commands queued)",
            worst_alert,
            "ms",
            goal=f"< {ALERT_GOAL_MS:,.0f} ms every minute",
            ok=bool(alert_p95s) and worst_alert < ALERT_GOAL_MS,
        ),
        common.figure(
            f"soak ({minutes}): p95 alert latency trend (least squares, after minute 1)",
            alert_trend,
            "ms/min",
            goal=f"held (< +{ALERT_TREND_GOAL_MS_PER_MIN:.0f} ms/min)",
            ok=None if quick else alert_trend < ALERT_TREND_GOAL_MS_PER_MIN,
        ),
        common.figure(
            f"soak ({minutes}): alerts worker memory trend",
            worker_growth,
            "MB/min",
            goal=f"no growth (< {GROWTH_GOAL_MB_PER_MIN} MB/min)",
            ok=None if quick else abs(worker_growth) < GROWTH_GOAL_MB_PER_MIN,
        ),
        common.figure(
            f"soak ({minutes}): gateway memory trend",
            growth,
            "MB/min",
            goal=f"no growth (< {GROWTH_GOAL_MB_PER_MIN} MB/min)",
            ok=None if quick else abs(growth) < GROWTH_GOAL_MB_PER_MIN,
            peer=growth_note,
        ),
    ]


def _main() -> None:
    parser = argparse.ArgumentParser(description="The soak's load generator.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--lights", type=int, required=True)
    parser.add_argument("--cameras", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    generate(
        url=args.url,
        prefix=args.prefix,
        lights=args.lights,
        cameras=args.cameras,
        seconds=args.seconds,
    )


if __name__ == "__main__":
    _main()
