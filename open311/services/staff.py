"""What staff do with a report: place one no asset matched (triage) on the right asset, and
close a report with a note the resident sees. Closing a report with a fault clears the fault
(devices' `fault_clear`): the report's status is read from it, so every report on that fault
closes with it."""

from django.db import transaction
from django.utils import timezone

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from devices.services.faults import fault_clear, fault_raise
from open311.catalogue import SERVICES
from open311.choices import RequestStage
from open311.models import ServiceRequest
from open311.selectors import awaiting_triage, request_stage
from open311.services.requests import asset_for_service, fault_details

NOTE_MAX = 2000


def _locked(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("fault", "fault__asset")
        .get(pk=request.pk)
    )


@transaction.atomic
def service_request_assign(*, request: ServiceRequest, device_id: str, actor: Actor):
    """Places a report waiting in triage on the asset `device_id` and raises its fault."""
    request = _locked(request)
    if not awaiting_triage(request):
        raise ApplicationError(
            f"{request.public_id} is not waiting in triage: it is placed or closed already."
        )
    if not device_id.strip():
        raise ApplicationError(
            "Name the asset (its device id).", extra={"fields": {"device_id": ["Required."]}}
        )
    service = SERVICES[request.service_code]
    asset = asset_for_service(device_id.strip(), service)
    request.asset = asset
    request.fault, _ = fault_raise(
        asset=asset, type=service.fault_type, details=fault_details(request, service), actor=actor
    )
    request.save(update_fields=["asset", "fault", "updated_at"])
    audit_record(
        actor=actor,
        action="open311.request_assigned",
        target=request,
        details={"asset": asset.device_id, "fault": request.fault.pk},
    )
    return request


@transaction.atomic
def service_request_close(*, request: ServiceRequest, note: str, actor: Actor):
    """Closes a report with a public note: clears its fault, or (a report in triage that is
    no asset's, or a duplicate) closes it alone."""
    note = note.strip()
    if not note:
        raise ApplicationError(
            "Write the note the resident will see (what was done, or why nothing will be).",
            extra={"fields": {"note": ["Required."]}},
        )
    if len(note) > NOTE_MAX:
        raise ApplicationError(
            f"The note is longer than {NOTE_MAX} characters.",
            extra={"fields": {"note": [f"At most {NOTE_MAX} characters."]}},
        )
    request = _locked(request)
    if request_stage(request) == RequestStage.CLOSED:
        raise ApplicationError(f"{request.public_id} is closed already.")
    now = timezone.now()
    if request.fault is not None:
        fault_clear(asset=request.fault.asset, type=request.fault.type, at=now, actor=actor)
    else:
        request.closed_at = now
    request.public_note = note
    request.save(update_fields=["closed_at", "public_note", "updated_at"])
    audit_record(actor=actor, action="open311.request_closed", target=request)
    return request
