"""A task runs on a real Celery worker over Redis, not eagerly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from cityplatform.tasks import echo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cityplatform",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            "default,alerts,commands",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.slow
def test_a_task_round_trips_through_redis_and_a_worker(worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    result = echo.delay("through the broker")
    assert result.get(timeout=60) == "through the broker"
    assert worker.poll() is None  # the worker is a separate, still-running process
