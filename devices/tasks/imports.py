"""Asset CSV imports, run by a worker while the import page follows them live."""

from celery import shared_task

from devices.services.import_run import import_job_run, import_jobs_sweep


@shared_task(name="devices.tasks.asset_import")
def asset_import_task(job_id: str) -> str:
    """Runs one queued import job (idempotent); the job records its outcome, failure included."""
    return import_job_run(job_id=job_id)


@shared_task(name="devices.tasks.import_jobs_sweep")
def import_jobs_sweep_task() -> int:
    """Fails the import jobs whose worker was lost mid-run (beat, every 5 minutes)."""
    return import_jobs_sweep()
