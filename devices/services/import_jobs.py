"""Asset CSV imports queued as jobs (issue #19, item 10): the upload is kept on the job and a
worker runs it (`devices.services.import_run`), so a file of thousands of rows is not read
inside the request, and its page follows the job live."""

import logging
import threading

from django import db
from django.conf import settings
from django.db import transaction

from cityplatform.services import Actor, actor_fields, audit_record
from devices.assets_csv import csv_read
from devices.models import AssetImportJob
from devices.services.import_run import import_job_fail
from devices.tasks.imports import asset_import_task

log = logging.getLogger(__name__)

NOT_QUEUED = "The import could not be handed to a worker (the task queue did not answer)."


def import_job_create(*, data: bytes, filename: str, mode: str, actor: Actor) -> AssetImportJob:
    """Queues an import of `data`; ImportFileError at once when the file cannot be read at all
    (not UTF-8, a bad header), as the import would say."""
    csv_read(data)  # the encoding and the header, before anything is queued
    user, _label = actor_fields(actor)
    job = AssetImportJob(mode=mode, filename=filename[:255], data=data, created_by=user)
    job.full_clean(exclude=["data"])
    job.save()
    audit_record(
        actor=actor,
        action="assets.import_queued",
        target=job,
        details={"file": filename, "mode": mode, "bytes": len(data)},
    )
    pk = job.pk

    def send() -> None:
        if settings.EMBEDDED:
            # The embedded runner (no broker) runs tasks in-process: an import as a task would
            # run inside the upload request, and the page would open on a finished job. A
            # thread of its own, like the in-process beat's, lets the page follow it live.
            threading.Thread(
                target=_run_here, args=(pk.hex,), name=f"asset-import-{pk.hex[:8]}", daemon=True
            ).start()
            return
        try:
            asset_import_task.delay(pk.hex)
        except Exception:  # the broker is down: the job says so rather than wait for ever
            log.exception("asset import %s could not be queued", pk)
            import_job_fail(job_id=pk, error=NOT_QUEUED)

    transaction.on_commit(send)
    return job


def _run_here(job_id: str) -> None:
    try:
        asset_import_task.apply(args=[job_id])  # the job records its outcome, failure included
    finally:
        db.connection.close()  # this thread's own connection
