"""The embedded platform of `make demo`: the whole city in one process and one asyncio loop.

It runs the ASGI server (HTTP and WebSockets), the periodic tasks of the Celery beat schedule
(run in-process, the same task functions on the same schedule), and every service the apps
plug in through `demo_services` on their AppConfig (the embedded MQTT broker, the simulators,
the gateway). SIGINT or SIGTERM stops everything and the process exits 0.

An app's demo service is an async callable taking the `DemoContext`; it runs until
`ctx.stop` is set or it is cancelled. The services stop one at a time, the last started first:
a service is listed after those it uses (the gateway after the devices it talks to), so nothing
sees a peer vanish while it is still running:

    class LightingConfig(AppConfig):
        demo_services = ["lighting.demo.run_simulated_lamps"]
"""

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import uvicorn
from celery.schedules import schedule as interval_schedule
from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from cityplatform.celery import app as celery_app

log = logging.getLogger("cityplatform.embedded")

# How long one demo service may take to stop before it is cancelled.
SERVICE_STOP_S = 10.0
# How long the banner (and a service) waits for the services it needs before going on anyway.
READY_WAIT_S = 30.0


@dataclass
class DemoContext:
    host: str
    port: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    options: dict[str, Any] = field(default_factory=dict)
    # Services that others (and the "running" banner) wait for: the MQTT broker listening, the
    # simulated devices listening. Shared by every service's copy of the context.
    ready: dict[str, asyncio.Event] = field(default_factory=dict)
    banner_waits_for: set[str] = field(default_factory=set)

    def readiness(self, name: str, *, before_banner: bool = False) -> asyncio.Event:
        """The event `name` sets when it is ready; a service calls it before its first await,
        so that services started after it know to wait for it (and, `before_banner`, the
        "running" banner: the embedded broker is announced before it)."""
        if before_banner:
            self.banner_waits_for.add(name)
        return self.ready.setdefault(name, asyncio.Event())

    async def wait_ready(self, *names: str, timeout: float = READY_WAIT_S) -> None:
        """Waits for the named services that take part (all of them, without names)."""
        events = [e for n, e in self.ready.items() if not names or n in names]
        if events:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout)


DemoService = Callable[[DemoContext], Awaitable[None]]


def demo_services() -> list[tuple[str, DemoService]]:
    """The services every app plugs into the demo, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        for dotted in getattr(config, "demo_services", ()):
            found.append((dotted, import_string(dotted)))
    return found


@dataclass
class BeatEntry:
    name: str
    task: str
    schedule: Any
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    last_run_at: datetime | None = None
    running: bool = False


def beat_entries() -> list[BeatEntry]:
    # The apps' task modules, imported as a worker imports them at start: a task that nothing
    # else in the process imported would be skipped by the beat (the demo never judged the
    # sensor thresholds, nor polled CAP feeds).
    celery_app.loader.import_default_modules()
    entries = []
    for name, spec in celery_app.conf.beat_schedule.items():
        sched = spec["schedule"]
        if isinstance(sched, int | float | timedelta):
            sched = interval_schedule(run_every=sched, app=celery_app)
        entries.append(
            BeatEntry(
                name, spec["task"], sched, tuple(spec.get("args", ())), dict(spec.get("kwargs", {}))
            )
        )
    return entries


async def run_beat(ctx: DemoContext, tick_s: float = 1.0) -> None:
    """Runs the beat schedule in-process: each due task in a worker thread, never two at once."""
    entries = beat_entries()
    now = timezone.now()
    for entry in entries:  # interval tasks run once at start, then on their interval
        entry.last_run_at = now - timedelta(days=1)

    async def run(entry: BeatEntry) -> None:
        entry.running = True
        try:
            task = celery_app.tasks[entry.task]
            result = await asyncio.to_thread(task.apply, args=entry.args, kwargs=entry.kwargs)
            if result.failed():
                log.error("periodic task %s failed: %r", entry.name, result.result)
        except Exception:
            log.exception("periodic task %s could not run", entry.name)
        finally:
            entry.running = False

    background: set[asyncio.Task] = set()
    while not ctx.stop.is_set():
        for entry in entries:
            due, _next = entry.schedule.is_due(entry.last_run_at)
            if due and not entry.running and entry.task in celery_app.tasks:
                entry.last_run_at = timezone.now()
                job = asyncio.create_task(run(entry), name=f"beat:{entry.name}")
                background.add(job)
                job.add_done_callback(background.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.stop.wait(), tick_s)
    for job in background:
        job.cancel()


class _Server(uvicorn.Server):
    """uvicorn, with the signals handled by the embedded runner rather than re-raised."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


async def run_platform(ctx: DemoContext, ready: Callable[[], None] | None = None) -> None:
    config = uvicorn.Config(
        "cityplatform.asgi:application",
        host=ctx.host,
        port=ctx.port,
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
    )
    server = _Server(config)

    loop = asyncio.get_running_loop()

    def stop() -> None:
        ctx.stop.set()
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    # Each service has a stop event of its own, so that they can be stopped in order.
    services: list[tuple[asyncio.Event, asyncio.Task]] = []
    for name, service in [("beat", run_beat), *demo_services()]:
        own = dataclasses.replace(ctx, stop=asyncio.Event())
        services.append((own.stop, asyncio.create_task(service(own), name=name)))
    tasks = [task for _, task in services]

    async def watch(task: asyncio.Task) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await task
            except Exception:
                log.exception("demo service %s stopped with an error", task.get_name())

    watchers = [asyncio.create_task(watch(t)) for t in tasks]

    async def announce() -> None:
        while not server.started and not ctx.stop.is_set():
            await asyncio.sleep(0.05)
        if ctx.banner_waits_for:  # the embedded broker has said so before the banner
            await ctx.wait_ready(*ctx.banner_waits_for)
        if server.started and ready:
            ready()

    announcer = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        ctx.stop.set()
        announcer.cancel()
        for (stop_one, task), watcher in reversed(list(zip(services, watchers, strict=True))):
            stop_one.set()
            done, _ = await asyncio.wait([watcher], timeout=SERVICE_STOP_S)
            if not done:
                log.warning(
                    "demo service %s did not stop in %.0f s", task.get_name(), SERVICE_STOP_S
                )
                task.cancel()
                await asyncio.wait([watcher], timeout=2)
