"""Asset CSV imports, run by a worker while the import page follows them live."""

from celery import shared_task

from devices.services.import_run import import_job_run


@shared_task(name="devices.tasks.asset_import")
def asset_import_task(job_id: str) -> str:
    """Runs one queued import job (idempotent); the job records its outcome, failure included."""
    return import_job_run(job_id=job_id)
