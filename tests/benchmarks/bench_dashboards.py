"""The pages' figures: live fan-out to 1,000 WebSocket clients, and first paint of the security
console (500 open alarms) and of the asset table (100,000 assets) in Debian's Chromium.

    python -m tests.benchmarks --only dashboards [--quick]

The platform's ASGI app runs as its own process (uvicorn) on this run's database and Redis; the
clients are `websockets` connections in processes of their own (`_ws_clients.py`), signed in
with a session cookie and subscribed to one zone. Each published `light.state` carries the time
it was published (the envelope's `ts`); a client's latency is when `recv()` returns the message
minus that time. The fan-out is also split: the publisher's group send, the first client
reached, first to last client, the server's CPU per event and the clients' own CPU and parsing
(docs/performance.md, "Dashboards").
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from tests.benchmarks.common import child_env, figure, percentile

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
ZONE_TOPIC = "zone:424242"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pooled(url: str) -> str:
    """redis-py 8 bounds a pool at 100 connections and reads with a 5 s socket time-out by
    default; channels_redis 4.3 blocks in BZPOPMIN for 5 s, so an idle consumer dies with
    "Timeout reading", and 1,000 clients subscribing at once exhaust the pool
    (MaxConnectionsError in group_add). The server is given both through the URL, as the
    settings should (reported to the integrator)."""
    if not url or "max_connections" in url:
        return url
    query = f"max_connections={POOL}&socket_timeout=30"
    return url + ("&" if "?" in url else "?") + query


POOL = os.environ.get("BENCH_REDIS_MAX_CONNECTIONS", "2000")
# The clients' processes (BENCH_CLIENT_PROCESSES) and the server's uvicorn workers
# (BENCH_WORKERS); BENCH_PROFILE_SERVER=<file> profiles a one-worker server's fan-out of the
# events (cProfile, not the connections before them).
CLIENT_PROCESSES = int(os.environ.get("BENCH_CLIENT_PROCESSES", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
PROFILE = os.environ.get("BENCH_PROFILE_SERVER", "")
WS = os.environ.get("BENCH_WS", "auto")  # uvicorn's --ws implementation


class Server:
    """`uvicorn cityplatform.asgi:application` on a free port, on this run's database."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        runner = ["tests.benchmarks._profiled_server", PROFILE] if PROFILE else ["uvicorn"]
        workers = ["--workers", str(WORKERS)] if WORKERS > 1 and not PROFILE else []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *runner,
                "cityplatform.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--ws-ping-timeout",
                "120",
                "--backlog",
                "4096",
                "--ws",
                WS,
                *workers,
            ],
            cwd=ROOT,
            env=child_env(REDIS_URL=_pooled(os.environ.get("REDIS_URL", ""))),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("the server stopped: " + self.log.read().decode()[-2000:])
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start in 60 s") from None
                time.sleep(0.2)

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server and its workers have used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        pids, total = [self.process.pid], 0.0
        while pids:
            pid = pids.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pids.extend(int(c) for c in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
        return total

    def log_tail(self, size: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _session_cookie(role) -> tuple[str, object]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from cityplatform.roles import roles_sync

    if not Group.objects.filter(name=role.value).exists():
        roles_sync()
    user = get_user_model().objects.create_user(
        username=f"bench-{role.name.lower()}-{time.time_ns()}", password=None
    )
    user.groups.add(Group.objects.get(name=role.value))
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, user


# --- live fan-out ---------------------------------------------------------------------------


def _publish(level: float) -> None:
    from cityplatform.live import live_publish

    live_publish(
        kind="light.state",
        data={"device_id": "BENCH-1", "level": level, "zone_id": 424242},
        topics=[ZONE_TOPIC],
    )


def _timed_publish(level: float) -> float:
    """Publishes one event; returns the seconds the publisher spent (the group send included:
    outside a transaction the after-commit send runs at once)."""
    started = time.perf_counter()
    _publish(level)
    return time.perf_counter() - started


def _fanout(server: Server, session: str, clients: int, events: int) -> dict:
    """The clients run in `CLIENT_PROCESSES` processes of their own (tests/benchmarks/
    _ws_clients.py), so that their parsing does not share this process (or its GIL) with the
    publisher; each time-stamps a message the moment it is received."""
    processes = max(1, min(CLIENT_PROCESSES, clients))
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    started = time.monotonic()
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.benchmarks._ws_clients",
                "--uri",
                f"ws://127.0.0.1:{server.port}/ws/live/",
                "--session",
                session,
                "--origin",
                server.url,
                "--topic",
                ZONE_TOPIC,
                "--clients",
                str(share),
                "--events",
                str(events),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    subscribed = failures = 0
    for child in children:
        line = child.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"a client process did not get ready: {line}\n{server.log_tail()}")
        subscribed += int(line[1])
        failures += int(line[2])
    if subscribed < clients:
        log.warning("%s of %s clients subscribed", subscribed, clients)
    connect_s = time.monotonic() - started
    gap = max(0.25, clients / 500)
    _publish(100.0)  # the warm-up, not counted
    time.sleep(gap)
    # One event at a time, each given time to reach everyone: the figure is how long one event
    # takes to reach all subscribers, not how a queue of events builds up behind a slow one.
    publish_s = []
    idle_before = server.cpu_s()
    time.sleep(gap)
    idle_cpu = server.cpu_s() - idle_before  # what the server spends with nothing to send
    cpu_before = server.cpu_s()
    if PROFILE:
        server.process.send_signal(signal.SIGUSR1)
    for n in range(events):
        publish_s.append(_timed_publish(float(n % 100)))
        time.sleep(gap)
    server_cpu = server.cpu_s() - cpu_before - idle_cpu * events
    if PROFILE:
        server.process.send_signal(signal.SIGUSR2)
    received: list[tuple[float, float, float]] = []
    parse_s = cpu_s = 0.0
    for child in children:
        out, _ = child.communicate(timeout=300)
        result = json.loads(out.strip().splitlines()[-1])
        received.extend(tuple(r) for r in result["received"])
        parse_s += result["parse_s"]
        cpu_s += result["cpu_s"]
        failures += result["failures"]
    latencies = [(now - sent) * 1000 for _, sent, now in received]
    by_event: dict[float, list[float]] = {}
    for level, sent, now in received:
        by_event.setdefault(level, []).append((now - sent) * 1000)
    first = [min(v) for v in by_event.values()]
    spread = [max(v) - min(v) for v in by_event.values()]
    if os.environ.get("BENCH_VERBOSE"):
        for level, values in sorted(by_event.items()):
            print(
                f"event {level:.0f}: first {min(values):.1f} ms, p50 "
                f"{percentile(values, 50):.1f} ms, last {max(values):.1f} ms"
            )
    return {
        "latencies": latencies,
        "received": len(received),
        "connect_s": connect_s,
        "subscribed": subscribed,
        "failures": failures,
        "publish_ms": [s * 1000 for s in publish_s],
        "first_ms": first,
        "spread_ms": spread,
        "client_parse_ms_per_message": parse_s * 1000 / max(1, len(received)),
        "client_cpu_ms_per_event": cpu_s * 1000 / max(1, events),
        "processes": processes,
        "server_cpu_ms_per_event": server_cpu * 1000 / max(1, events),
    }


# --- first paint ------------------------------------------------------------------------------


def _first_paint(server: Server, session: str, path: str, ready_js: str) -> dict:
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                user_data_dir=profile,
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
                viewport={"width": 1920, "height": 1080},
            )
            context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(server.url + path)  # warm: static files cached, connections open
            runs = []
            for _ in range(3):
                page.goto(server.url + path, wait_until="commit")
                page.wait_for_function(ready_js, timeout=30_000)
                runs.append(
                    page.evaluate(
                        """() => {
                        const nav = performance.getEntriesByType('navigation')[0];
                        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                        return {ttfb: nav.responseStart, html: nav.responseEnd,
                                fcp: fcp ? fcp.startTime : null, ready: performance.now()};
                    }"""
                    )
                )
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    best = sorted(runs, key=lambda r: r["ready"])[len(runs) // 2]  # the median run
    return best


def _alarms(count: int):
    from django.utils import timezone

    from cctv.models import Alarm
    from devices.models import Asset, Zone

    zone = Zone.objects.create(name=f"Bench zone {time.time_ns()}")
    camera = Asset.objects.create(
        device_id=f"BENCH-CAM-{time.time_ns()}",
        kind="camera",
        latitude=51.515,
        longitude=-0.092,
        zone=zone,
    )
    now = timezone.now()
    Alarm.objects.bulk_create(
        Alarm(
            camera=camera,
            zone=zone,
            title=f"Intrusion {n}",
            category="security",
            priority=1 + n % 20,
            raised_at=now - timedelta(seconds=n * 7),
            last_event_at=now - timedelta(seconds=n * 7),
            event_count=1,
        )
        for n in range(count)
    )
    return zone, camera


def _assets(count: int) -> list[int]:
    from django.utils import timezone

    from devices.models import Asset, AssetState

    now = timezone.now()
    prefix = f"BENCH-{time.time_ns() % 10**8}-"
    ids: list[int] = []
    batch = 5000
    for start in range(0, count, batch):
        made = Asset.objects.bulk_create(
            Asset(
                device_id=f"{prefix}{n:06d}",
                kind="streetlight",
                name=f"Bench light {n}",
                latitude=51.50 + (n % 300) * 0.0001,
                longitude=-0.10 + (n // 300) * 0.0001,
                model="LED-60",
                serial=f"S{n:07d}",
            )
            for n in range(start, min(count, start + batch))
        )
        AssetState.objects.bulk_create(
            AssetState(
                asset=asset,
                online=n % 17 != 0,
                level=float(n % 101),
                last_seen_at=now - timedelta(seconds=n),
            )
            for n, asset in enumerate(made, start)
        )
        ids.extend(a.pk for a in made)
    return ids


def run(*, quick: bool) -> list[dict]:
    from django.contrib.auth import get_user_model

    from cctv.models import Alarm
    from cityplatform.roles import Role
    from devices.models import Asset

    clients, events = (100, 10) if quick else (1000, 20)
    alarm_count = 50 if quick else 500
    asset_count = 5_000 if quick else 100_000
    figures: list[dict] = []
    server = Server()
    users = []
    zone = camera = None
    asset_ids: list[int] = []
    try:
        viewer_session, viewer = _session_cookie(Role.VIEWER)
        users.append(viewer)
        result = _fanout(server, viewer_session, clients, events)
        lat = result["latencies"]
        p95 = percentile(lat, 95)
        figures.append(
            figure(
                f"live: event to {clients} zone subscribers, p95",
                p95,
                "ms",
                goal="< 250 ms",
                ok=p95 < 250 and result["received"] == clients * events,
            )
        )
        figures.append(
            figure("live: clients subscribed", result["subscribed"], "clients", goal=f"{clients}")
        )
        figures.append(
            figure(
                "live: messages delivered",
                result["received"],
                "messages",
                goal=f"{clients * events}",
            )
        )
        figures.append(figure("live: connection failures (retried)", result["failures"], "count"))
        figures.append(figure("live: p50", percentile(lat, 50), "ms"))
        figures.append(figure("live: max", max(lat) if lat else 0.0, "ms"))
        figures.append(
            figure(f"live: {clients} clients connected and subscribed in", result["connect_s"], "s")
        )
        figures.append(
            figure("live: publisher's group send, p50", percentile(result["publish_ms"], 50), "ms")
        )
        figures.append(
            figure("live: first client reached, p50", percentile(result["first_ms"], 50), "ms")
        )
        figures.append(
            figure(
                "live: first to last client of one event, p50",
                percentile(result["spread_ms"], 50),
                "ms",
            )
        )
        figures.append(
            figure(
                "live: client parse per message (clients' own time)",
                result["client_parse_ms_per_message"],
                "ms",
            )
        )
        figures.append(
            figure(
                f"live: server CPU per event ({WORKERS} worker(s))",
                result["server_cpu_ms_per_event"],
                "ms",
            )
        )
        figures.append(
            figure(
                f"live: client CPU per event, {result['processes']} client processes",
                result["client_cpu_ms_per_event"],
                "ms",
            )
        )
        if os.environ.get("BENCH_FANOUT_ONLY"):  # for working on the fan-out alone
            return figures

        zone, camera = _alarms(alarm_count)
        operator_session, operator = _session_cookie(Role.SECURITY_OPERATOR)
        users.append(operator)
        console = _first_paint(
            server,
            operator_session,
            "/security/",
            f"document.querySelectorAll('#alarm-queue tr[data-alarm]').length >= {alarm_count}",
        )
        figures.append(
            figure(
                f"console first paint, {alarm_count} open alarms",
                console["fcp"] or console["ready"],
                "ms",
                goal="< 1000 ms",
                ok=(console["fcp"] or console["ready"]) < 1000,
            )
        )
        figures.append(figure("console: queue rendered", console["ready"], "ms"))
        figures.append(figure("console: HTML received", console["html"], "ms"))

        asset_ids = _assets(asset_count)
        manager_session, manager = _session_cookie(Role.ASSET_MANAGER)
        users.append(manager)
        for label, path in (
            ("asset table first paint", "/assets/"),
            ("asset table sorted by last seen", "/assets/?sort=-last_seen"),
            ("asset table searched", "/assets/?q=Bench+light+9999"),
            ("asset table last page", "/assets/?page=2000"),
        ):
            table = _first_paint(
                server,
                manager_session,
                path,
                "document.querySelectorAll('#asset-table tbody tr').length > 0",
            )
            value = table["fcp"] or table["ready"]
            figures.append(
                figure(
                    f"{label}, {asset_count:,} assets",
                    value,
                    "ms",
                    goal="< 1000 ms",
                    ok=value < 1000,
                )
            )
    finally:
        server.stop()
        if asset_ids:
            for start in range(0, len(asset_ids), 10_000):
                Asset.objects.filter(pk__in=asset_ids[start : start + 10_000]).delete()
        if camera is not None:
            Alarm.objects.filter(camera=camera).delete()
            camera.delete()
            zone.delete()
        get_user_model().objects.filter(pk__in=[u.pk for u in users]).delete()
    return figures
