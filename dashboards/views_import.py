"""The asset CSV import page (issue #19, item 10): an upload is queued as a job, run by a worker,
and its page follows it live (a progress bar from `import.progress` on the job's topic), then
shows the row-level report; a job that failed says so and why."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards.permissions import page_permission
from dashboards.views import render_page
from devices.choices import ImportJobState, ImportMode
from devices.selectors.imports import import_job_of, import_jobs_recent
from devices.services.asset_import import ImportFileError
from devices.services.import_jobs import import_job_create
from devices.services.import_run import import_job_topic

IMPORT_MAX_BYTES = 50 * 1024 * 1024


def _status_text(job) -> str:
    """What the page says of the job (import_job.js says the same as it changes)."""
    if job.state == ImportJobState.QUEUED:
        return "Waiting for a worker to start the import…"
    if job.state == ImportJobState.FAILED:
        return "The import failed."
    if job.state == ImportJobState.DONE:
        return f"Finished: {job.total_rows} rows read."
    if not job.total_rows:
        return "Counting the rows…"
    if job.processed_rows >= job.total_rows:
        return f"Read all {job.total_rows} rows; checking the registry and writing…"
    share = 100 * job.processed_rows // job.total_rows
    return f"Read {job.processed_rows} of {job.total_rows} rows ({share} %)"


def _job_status(job) -> dict:
    return {
        "id": job.pk.hex,
        "state": job.state,
        "state_text": job.get_state_display(),
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "error": job.error,
    }


@page_permission(perms.ASSET_PAGES)
def asset_import(request: HttpRequest) -> HttpResponse:
    """Upload an assets CSV: it is queued and the page of its job follows it. Every bad row is
    listed with its line and reasons at the end; nothing is written unless all rows are valid,
    or the user asks for the valid rows only, or it is a check (dry run)."""
    may_import = has_perm(request.user, "devices.import_assets")
    context: dict = {
        "may_import": may_import,
        "max_mb": IMPORT_MAX_BYTES // (1024 * 1024),
        "modes": ImportMode.choices,
        "jobs": import_jobs_recent(user=request.user) if may_import else [],
    }
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied("Your role may not import assets.")
        upload = request.FILES.get("file")
        mode = request.POST.get("mode", "")
        if upload is None:
            context["file_error"] = "Choose a CSV file to import."
        elif upload.size > IMPORT_MAX_BYTES:
            context["file_error"] = f"The file is larger than {context['max_mb']} MB."
        elif mode not in ImportMode.values:
            context["file_error"] = "Choose what to do with the file."
        else:
            try:
                job = import_job_create(
                    data=upload.read(), filename=upload.name, mode=mode, actor=request.user
                )
            except ImportFileError as error:
                context["file_error"] = str(error)
            else:
                return redirect(reverse("page-asset-import-job", args=[job.pk]))
    return render_page(request, "dashboards/assets/import.html", context, active="assets")


def _job(request: HttpRequest, job_id: UUID):
    if not has_perm(request.user, "devices.import_assets"):
        raise PermissionDenied("Your role may not import assets.")
    job = import_job_of(job_id=job_id, user=request.user)
    if job is None:
        raise Http404("No such import of yours.")
    return job


@page_permission(perms.ASSET_PAGES)
def asset_import_job(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """One import: its progress while it runs (live), then its report, or why it failed."""
    job = _job(request, job_id)
    return render_page(
        request,
        "dashboards/assets/import_job.html",
        {
            "job": job,
            "status": _job_status(job),
            "status_text": _status_text(job),
            "import_page": {
                "topic": import_job_topic(job),
                "status_url": reverse("page-asset-import-status", args=[job.pk]),
            },
            "report": job.report if job.state == ImportJobState.DONE else None,
            "filename": job.filename,
        },
        active="assets",
    )


@page_permission(perms.ASSET_PAGES)
def asset_import_status(request: HttpRequest, job_id: UUID) -> JsonResponse:
    """Where the job stands (the page's catch-up when it connects or reconnects)."""
    return JsonResponse(_job_status(_job(request, job_id)))
