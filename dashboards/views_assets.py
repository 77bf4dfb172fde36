"""The asset pages' writes (issue #19, item 3): edit an asset, log and progress maintenance work
orders, acknowledge and clear faults, decommission, and change the status of a selection with
a preview first. Each checks its permission (a forged POST from a role without it is a 403),
parses with `dashboards.forms_assets`, and calls the registry's services: the API's validation
and audit, one rule for both."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cityplatform.api import ApplicationError
from cityplatform.permissions import has_perm
from dashboards import forms_assets as forms
from dashboards import permissions as perms
from dashboards import selectors
from dashboards.permissions import page_permission
from dashboards.views import render_page
from devices.choices import LifecycleStatus
from devices.services import registry
from devices.services.faults import fault_acknowledge, fault_clear

BULK_MAX = 500


def _require(request: HttpRequest, permission: str, what: str) -> None:
    if not has_perm(request.user, permission):
        raise PermissionDenied(f"Your role may not {what}.")


def _asset(device_id: str):
    asset = selectors.asset_detail(device_id)
    if asset is None:
        raise Http404("No such asset.")
    return asset


def _errors_in_words(error: ValidationError | ApplicationError) -> list[str]:
    """A service's refusal as sentences for the page (field names made readable)."""
    if isinstance(error, ApplicationError):
        return [error.message]
    if hasattr(error, "error_dict"):
        return [
            f"{field.replace('_', ' ').replace('details.', '').capitalize()}: {message}"
            if field != "__all__"
            else message
            for field, field_messages in error.message_dict.items()
            for message in field_messages
        ]
    return list(error.messages)


def _back(asset) -> HttpResponse:
    return redirect(reverse("page-asset", args=[asset.device_id]))


@page_permission(perms.ASSET_PAGES)
def asset_edit(request: HttpRequest, device_id: str) -> HttpResponse:
    """The asset's fields and its kind's main details in a form; saved by `asset_update`."""
    _require(request, "devices.change_asset", "change assets")
    asset = _asset(device_id)
    problems: list[str] = []
    if request.method == "POST":
        form = forms.AssetEditForm(request.POST, asset=asset, details=registry.details_of(asset))
        if form.is_valid():
            try:
                registry.asset_update(
                    asset=asset,
                    actor=request.user,
                    data=form.asset_data(),
                    details=form.details_data() or None,
                )
            except (ValidationError, ApplicationError) as error:
                problems = _errors_in_words(error)
            else:
                messages.success(request, f"{asset.device_id} saved.")
                return _back(asset)
    else:
        form = forms.AssetEditForm(asset=asset, details=registry.details_of(asset))
    return render_page(
        request,
        "dashboards/assets/edit.html",
        {"asset": asset, "form": form, "problems": problems},
        active="assets",
    )


@require_POST
@page_permission(perms.ASSET_PAGES)
def asset_decommission(request: HttpRequest, device_id: str) -> HttpResponse:
    _require(request, "devices.decommission_asset", "decommission assets")
    asset = _asset(device_id)
    reason = request.POST.get("reason", "").strip()[:300]
    if not reason:
        messages.error(request, "Say why the asset is decommissioned.")
        return _back(asset)
    registry.asset_decommission(asset=asset, actor=request.user, reason=reason)
    messages.success(request, f"{asset.device_id} is decommissioned; its history stays.")
    return _back(asset)


@require_POST
@page_permission(perms.ASSET_PAGES)
def maintenance_log(request: HttpRequest, device_id: str) -> HttpResponse:
    """Raises a work order on the asset (optionally for one of its open faults)."""
    _require(request, "devices.add_maintenancerecord", "log maintenance")
    asset = _asset(device_id)
    form = forms.MaintenanceForm(request.POST, faults=selectors.asset_faults(asset))
    if not form.is_valid():
        for message in form.problems():
            messages.error(request, message)
        return _back(asset)
    try:
        registry.maintenance_open(actor=request.user, asset=asset, **form.cleaned_data)
    except (ValidationError, ApplicationError) as error:
        for message in _errors_in_words(error):
            messages.error(request, message)
    else:
        messages.success(request, "Work order raised.")
    return _back(asset)


@require_POST
@page_permission(perms.ASSET_PAGES)
def maintenance_progress(request: HttpRequest, device_id: str, record_id: int) -> HttpResponse:
    """Assigns a work order, or moves it on (in progress, done — which clears its fault)."""
    _require(request, "devices.change_maintenancerecord", "change maintenance work orders")
    asset = _asset(device_id)
    record = next((m for m in selectors.asset_maintenance(asset) if m.pk == record_id), None)
    if record is None:
        raise Http404("No such work order on this asset.")
    form = forms.MaintenanceProgressForm(request.POST)
    if not form.is_valid():
        for message in form.problems():
            messages.error(request, message)
        return _back(asset)
    data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    try:
        registry.maintenance_update(record=record, actor=request.user, data=data)
    except (ValidationError, ApplicationError) as error:
        for message in _errors_in_words(error):
            messages.error(request, message)
    else:
        messages.success(request, "Work order updated.")
    return _back(asset)


@require_POST
@page_permission(perms.ASSET_PAGES)
def fault_action(request: HttpRequest, device_id: str, fault_id: int, action: str) -> HttpResponse:
    """Acknowledges (seen, someone owns it) or clears (mended) one of the asset's faults."""
    _require(request, "devices.change_fault", "handle faults")
    asset = _asset(device_id)
    fault = next((f for f in selectors.asset_faults(asset) if f.pk == fault_id), None)
    if fault is None:
        raise Http404("No such fault on this asset.")
    if action == "acknowledge":
        try:
            fault_acknowledge(fault=fault, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{fault.get_type_display()} acknowledged.")
    elif fault.cleared_at is None:
        fault_clear(asset=asset, type=fault.type, actor=request.user.get_username())
        messages.success(request, f"{fault.get_type_display()} cleared.")
    return _back(asset)


@require_POST
@page_permission(perms.ASSET_PAGES)
def assets_bulk(request: HttpRequest) -> HttpResponse:
    """A status change for the assets ticked in the inventory: first a preview of what changes
    for each, then (confirmed) every change at once, or none if one is refused."""
    _require(request, "devices.change_asset", "change assets")
    device_ids = list(dict.fromkeys(request.POST.getlist("device_id")))[:BULK_MAX]
    status = request.POST.get("status", "")
    problems: list[str] = []
    if not device_ids:
        problems.append("Tick at least one asset in the inventory.")
    if status not in LifecycleStatus.values:
        problems.append("Choose the status to set.")
    elif status == LifecycleStatus.DECOMMISSIONED:
        _require(request, "devices.decommission_asset", "decommission assets")
    assets = selectors.assets_by_device_id(device_ids)
    rows = [
        {"asset": a, "from": a.get_status_display(), "changes": a.status != status} for a in assets
    ]
    changing = [row["asset"] for row in rows if row["changes"]]
    label = LifecycleStatus(status).label if status in LifecycleStatus.values else ""
    if not problems and request.POST.get("confirm") == "1":
        reason = request.POST.get("reason", "").strip()[:300]
        try:
            with transaction.atomic():
                for asset in changing:
                    if status == LifecycleStatus.DECOMMISSIONED:
                        registry.asset_decommission(asset=asset, actor=request.user, reason=reason)
                    else:
                        registry.asset_update(
                            asset=asset, actor=request.user, data={"status": status}
                        )
        except (ValidationError, ApplicationError) as error:
            problems = _errors_in_words(error)
        else:
            n = len(changing)
            messages.success(request, f"{n} asset{'' if n == 1 else 's'} now {label.lower()}.")
            return redirect(reverse("page-assets") + "?" + request.POST.get("back", ""))
    return render_page(
        request,
        "dashboards/assets/bulk.html",
        {
            "rows": rows,
            "status": status,
            "status_label": label,
            "changing": len(changing),
            "problems": problems,
            "missing": sorted(set(device_ids) - {a.device_id for a in assets}),
            "back": request.POST.get("back", ""),
        },
        active="assets",
    )
