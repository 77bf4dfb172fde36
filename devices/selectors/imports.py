"""Reads of asset import jobs."""

from uuid import UUID

from devices.models import AssetImportJob


def import_job_of(*, job_id: UUID, user) -> AssetImportJob | None:
    """The job if this user started it (or is a superuser), else None."""
    jobs = AssetImportJob.objects.defer("data")
    if not user.is_superuser:
        jobs = jobs.filter(created_by=user)
    return jobs.filter(pk=job_id).first()


def import_jobs_recent(*, user, limit: int = 10) -> list[AssetImportJob]:
    """This user's latest import jobs, newest first."""
    return list(AssetImportJob.objects.defer("data").filter(created_by=user)[:limit])
