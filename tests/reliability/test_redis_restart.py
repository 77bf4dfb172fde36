"""Redis restarted under the running processes: queued tasks survive and the same Celery
worker, not restarted, runs them; live updates reach a subscribed page again through the same
ASGI server process, not restarted."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from celery import Celery

from tests.benchmarks.common import child_env
from tests.reliability.conftest import size
from tests.reliability.processes import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def start_worker(redis_url: str, queues: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "cityplatform", "worker", "--pool=solo"),
            *("-Q", queues, "--without-heartbeat", "--without-mingle", "--without-gossip"),
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=child_env(REDIS_URL=redis_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_queued_tasks_survive_a_redis_restart_and_the_same_worker_runs_them(private_redis):
    server = private_redis()
    worker = start_worker(server.url, "default")
    # Not the current app: shared tasks elsewhere in the suite must keep the platform's broker.
    client = Celery(broker=server.url, backend=server.url, set_as_current=False)
    client.conf.task_default_queue = "default"  # as the platform's settings have it
    try:
        assert client.send_task("cityplatform.tasks.echo", args=["before"]).get(60) == "before"
        # Tasks wait in a queue the worker does not consume yet …
        count = size(20, 2_000)
        held = [
            client.send_task("cityplatform.tasks.echo", args=[f"held {n}"], queue="commands")
            for n in range(count)
        ]
        server.restart(down_s=2.0)  # … when Redis restarts under the running worker
        assert worker.poll() is None
        # The same worker, reconnected, serves new tasks and takes the held queue on.
        assert client.send_task("cityplatform.tasks.echo", args=["after"]).get(120) == "after"
        client.control.add_consumer("commands", reply=True, timeout=10)
        assert [r.get(120) for r in held] == [f"held {n}" for n in range(count)]
    finally:
        worker.terminate()
        worker.wait(30)
        client.close()


# --- live updates -----------------------------------------------------------------------------


class LiveClient:
    """A /ws/live/ client that behaves as the pages' live.js: on a closed socket it reconnects
    with backoff (0.5 s doubling), subscribes again to its topics, and counts its reconnects."""

    def __init__(self, url: str, cookie: str, origin: str, topics: list[str]) -> None:
        self.url, self.cookie, self.origin, self.topics = url, cookie, origin, topics
        self.reconnects = -1
        self.socket = None
        self.connect()

    def connect(self, timeout: float = 60) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        delay, deadline = 0.5, time.monotonic() + timeout
        while True:
            try:
                self.socket = connect(
                    self.url,
                    additional_headers={"Cookie": self.cookie, "Origin": self.origin},
                    open_timeout=5,
                )
                self.socket.send(json.dumps({"action": "subscribe", "topics": self.topics}))
                reply = json.loads(self.socket.recv(10))
                assert reply["type"] == "subscribed", reply
                break
            except (OSError, TimeoutError, WebSocketException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 15)
        self.reconnects += 1

    def next_message(self, timeout: float) -> dict | None:
        """The next live message, reconnecting if the socket closed; None after `timeout`."""
        from websockets.exceptions import ConnectionClosed

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return json.loads(self.socket.recv(max(0.1, deadline - time.monotonic())))
            except TimeoutError:
                return None
            except ConnectionClosed:
                self.connect()
        return None

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()


def publish_light(redis_url: str, light, level: float) -> None:
    """light.state, as the gateway publishes it, through the server's (private) Redis layer."""
    from django.db import transaction
    from django.test import override_settings

    from cityplatform.live import live_publish

    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "cityplatform"},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers), transaction.atomic():
        live_publish(
            kind="light.state",
            data={"device_id": light.device_id, "level": level, "zone_id": light.zone_id},
            topics=[f"zone:{light.zone_id}"],
        )


def test_live_updates_resume_after_a_redis_restart_without_restarting_the_server(
    private_redis, make_user, free_port, tmp_path
):
    from django.test import Client

    from cityplatform.roles import Role
    from devices.models import Zone
    from tests.devices.gateway_helpers import make_light
    from tests.reliability.services import port_open, wait_for

    zone = Zone.objects.create(name="Cheapside")
    light = make_light("SL-LIVE")
    light.zone = zone
    light.save(update_fields=["zone"])
    server = private_redis()
    log = tmp_path / "asgi.log"
    asgi = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "cityplatform.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(free_port), "--lifespan", "off"),
            *("--ws", "websockets", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=child_env(REDIS_URL=server.url),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    browser = Client()
    browser.force_login(make_user(Role.VIEWER))
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    client = None
    try:
        wait_for(lambda: port_open(free_port), what="the ASGI server")
        base = f"127.0.0.1:{free_port}"
        client = LiveClient(f"ws://{base}/ws/live/", cookie, f"http://{base}", [f"zone:{zone.pk}"])
        publish_light(server.url, light, 10)
        assert client.next_message(10)["data"]["level"] == 10

        server.restart(down_s=1.0)
        assert asgi.poll() is None, log.read_text()
        # A light changes after the restart: the page sees it without anyone restarting the
        # server, at most after its reconnect (a consumer whose layer connection broke is
        # closed by Channels; the page reconnects and subscribes again).
        received = None
        deadline = time.monotonic() + 60
        level = 20
        while received is None and time.monotonic() < deadline:
            publish_light(server.url, light, level)
            message = client.next_message(3)
            if message is not None and message["type"] == "light.state":
                received = message
            level += 1
        assert received is not None, f"nothing after the restart; server log: {log.read_text()}"
        assert received["data"]["device_id"] == "SL-LIVE"
        assert asgi.poll() is None  # the same server process throughout
    finally:
        if client is not None:
            client.close()
        asgi.terminate()
        try:
            asgi.wait(20)
        except subprocess.TimeoutExpired:
            # uvicorn's graceful shutdown can wait on a WebSocket task still reading the
            # layer: what it did before is what this test asserts, not how it stops.
            asgi.kill()
            asgi.wait(10)
