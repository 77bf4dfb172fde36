"""Redis restarted under a running Celery worker: queued tasks survive and the same worker,
not restarted, runs them. (Live updates through the gateway: not covered yet.)"""

from __future__ import annotations

import subprocess
import sys

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
