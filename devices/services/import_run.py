"""Running an asset CSV import job (the task's work): it reads the file counting its rows,
validates and imports it with `assets_import`, and tells the job's page how far it has got
(`import.progress` on the `import:<id>` topic) every PROGRESS_EVERY_ROWS rows. A job that
fails says so, with why, on its page; nothing is left "running" by an error."""

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from cityplatform.live import live_publish
from devices.assets_csv import csv_read
from devices.choices import ImportJobState, ImportMode
from devices.live import ImportProgress
from devices.models import AssetImportJob
from devices.services.asset_import import ImportFileError, assets_import

log = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 100
UNEXPECTED = (
    "The import stopped on an unexpected error before it finished (the server log has the "
    "details). Check the inventory, then upload the file again."
)


def import_job_topic(job: AssetImportJob) -> str:
    return f"import:{job.pk.hex}"


def import_job_announce(job: AssetImportJob) -> None:
    """Tells the job's page where it stands (after the commit)."""
    live_publish(
        kind="import.progress",
        data=ImportProgress(
            id=job.pk.hex,
            state=job.state,
            processed_rows=job.processed_rows,
            total_rows=job.total_rows,
            error=job.error,
        ),
        topics=[import_job_topic(job)],
    )


def _finish(job: AssetImportJob, *, state: str, report: dict | None = None, error: str = ""):
    job.state, job.report, job.error = state, report, error
    job.finished_at = timezone.now()
    job.data = b""  # the file is not kept once it has run
    job.save(update_fields=["state", "report", "error", "finished_at", "data"])
    import_job_announce(job)


def import_job_run(*, job_id: UUID | str) -> str:
    """Runs one queued job (idempotent: a job already started or finished is left alone);
    returns its final state, or '' when there was nothing to do."""
    with transaction.atomic():
        job = (
            AssetImportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("created_by")
            .filter(pk=job_id, state=ImportJobState.QUEUED)
            .first()
        )
        if job is None:
            return ""
        job.state = ImportJobState.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["state", "started_at"])
    data = bytes(job.data)
    try:
        _header, rows = csv_read(data)
        job.total_rows = sum(1 for _ in rows)
        AssetImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
        import_job_announce(job)

        def progress(rows_read: int) -> None:
            job.processed_rows += rows_read
            AssetImportJob.objects.filter(pk=job.pk).update(processed_rows=job.processed_rows)
            import_job_announce(job)

        report = assets_import(
            data=data,
            actor=job.created_by or "asset import",
            valid_only=job.mode == ImportMode.VALID_ONLY,
            dry_run=job.mode == ImportMode.CHECK,
            filename=job.filename,
            progress=progress,
            progress_every=PROGRESS_EVERY_ROWS,
        )
    except ImportFileError as error:
        _finish(job, state=ImportJobState.FAILED, error=str(error))
    except Exception:
        log.exception("asset import %s failed", job.pk)
        _finish(job, state=ImportJobState.FAILED, error=UNEXPECTED)
        raise
    else:
        _finish(job, state=ImportJobState.DONE, report=report.as_dict())
    return job.state


WORKER_LOST = (
    "The worker running this import stopped before it finished, so nothing was imported (an "
    "import is written all at once, at its end). Upload the file again."
)
STALE_AFTER = timedelta(minutes=30)


def import_jobs_sweep(*, now: datetime | None = None) -> int:
    """Fails the jobs still "running" STALE_AFTER after they started: their worker was lost
    (a redelivered task leaves a started job alone). Returns how many."""
    edge = (now or timezone.now()) - STALE_AFTER
    stale = AssetImportJob.objects.filter(state=ImportJobState.RUNNING, started_at__lt=edge)
    ids = list(stale.values_list("pk", flat=True))
    for pk in ids:
        import_job_fail(job_id=pk, error=WORKER_LOST)
    return len(ids)


def import_job_fail(*, job_id: UUID | str, error: str) -> None:
    """Marks a job that could not run (its task not queued, or its worker lost) as failed."""
    job = AssetImportJob.objects.filter(
        pk=job_id, state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING]
    ).first()
    if job is not None:
        _finish(job, state=ImportJobState.FAILED, error=error)
