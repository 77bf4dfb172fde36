"""Asset CSV imports run as jobs (issue #19, item 10): queued with the file, run once, their
progress published live on the job's topic, their report or their failure kept on the job."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cityplatform.live import build_message, topic_group, topic_permission
from cityplatform.models import AuditEntry
from devices.assets_csv import ImportFileError
from devices.models import Asset, AssetImportJob
from devices.services.import_jobs import import_job_create
from devices.services.import_run import (
    PROGRESS_EVERY_ROWS,
    import_job_run,
    import_job_topic,
    import_jobs_sweep,
)
from tests.dashboards.city import build_city

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis layer (shared by threads)"),
]


def _csv(rows: int) -> bytes:
    lines = ["device_id,kind,latitude,longitude"]
    lines += [f"SL-J-{n:04d},streetlight,51.5145,{-0.0935 + n * 0.00001}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _listen(topic: str):
    layer = channel_layers.make_backend("default")

    async def subscribe():
        channel = await layer.new_channel()
        await layer.group_add(topic_group(topic), channel)
        return channel

    return layer, async_to_sync(subscribe)()


def _received(layer, channel) -> list[dict]:
    async def drain():
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), 2))
            except TimeoutError:
                return messages

    return [m["message"] for m in async_to_sync(drain)()]


def test_a_queued_import_runs_once_and_tells_its_page_how_far_it_has_got(make_user):
    build_city(lights_per_zone=1)
    user = make_user(superuser=True)
    job = import_job_create(data=_csv(250), filename="lamps.csv", mode="all", actor=user)
    assert job.state == "queued" and bytes(job.data) == _csv(250)
    assert AuditEntry.objects.filter(action="assets.import_queued").count() == 1
    topic = import_job_topic(job)
    assert topic_permission(topic) == "devices.import_assets"
    layer, channel = _listen(topic)

    assert import_job_run(job_id=job.pk) == "done"
    assert import_job_run(job_id=job.pk) == ""  # once only
    job.refresh_from_db()
    assert (job.total_rows, job.processed_rows) == (250, 250)
    assert job.report["created"] == 250 and job.report["written"]
    assert bytes(job.data) == b"" and job.finished_at is not None
    assert Asset.objects.filter(device_id__startswith="SL-J-").count() == 250

    messages = _received(layer, channel)
    assert all(m["type"] == "import.progress" for m in messages)
    steps = [(m["data"]["state"], m["data"]["processed_rows"]) for m in messages]
    every = PROGRESS_EVERY_ROWS
    assert steps == [
        ("running", 0),
        ("running", every),
        ("running", 2 * every),
        ("running", 250),
        ("done", 250),
    ]
    build_message("import.progress", json.loads(json.dumps(messages[-1]["data"])))


def test_a_file_that_cannot_be_read_is_refused_before_it_is_queued(make_user):
    with pytest.raises(ImportFileError, match="missing columns"):
        import_job_create(
            data=b"nothing,useful\n1,2\n", filename="x.csv", mode="all", actor=make_user()
        )
    assert not AssetImportJob.objects.exists()


def test_a_job_whose_file_fails_says_why_and_writes_nothing(make_user):
    job = AssetImportJob.objects.create(data=b"\xff\xfe not text", created_by=make_user())
    assert import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and "not UTF-8" in job.error
    assert job.report is None and bytes(job.data) == b""


def test_a_job_whose_worker_was_lost_is_said_failed_not_left_running(make_user):
    user = make_user()
    now = timezone.now()
    lost = AssetImportJob.objects.create(
        data=b"x", created_by=user, state="running", started_at=now - timedelta(minutes=31)
    )
    running = AssetImportJob.objects.create(
        data=b"x", created_by=user, state="running", started_at=now - timedelta(minutes=2)
    )
    queued = AssetImportJob.objects.create(data=b"x", created_by=user)
    assert import_jobs_sweep(now=now) == 1
    states = dict(AssetImportJob.objects.values_list("pk", "state"))
    assert (states[lost.pk], states[running.pk], states[queued.pk]) == (
        "failed",
        "running",
        "queued",
    )
    lost.refresh_from_db()
    assert "stopped before it finished" in lost.error and bytes(lost.data) == b""
    assert import_jobs_sweep(now=now) == 0


def test_on_the_embedded_runner_the_upload_returns_at_once_and_the_job_runs_beside_it(
    make_user, settings
):
    settings.EMBEDDED = True  # no broker: `make demo`
    build_city(lights_per_zone=1)
    user = make_user(superuser=True)
    with transaction.atomic():
        job = import_job_create(data=_csv(300), filename="lamps.csv", mode="all", actor=user)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job.state == "done", job.error
    assert Asset.objects.filter(device_id__startswith="SL-J-").count() == 300
