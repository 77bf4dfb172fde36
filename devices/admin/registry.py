"""Admin pages for zones, assets, faults and maintenance.

Saving goes through the registry services, so that zones are computed, camera links kept up to
date and every change audited, exactly as through the API.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from cityplatform.api import ApplicationError
from cityplatform.audit_admin import AuditedAdmin
from cityplatform.services import audit_record
from devices.asset_fields import (
    ASSET_COMPUTED_FIELDS,
    ASSET_EDITABLE_FIELDS,
    ASSET_IDENTITY_FIELDS,
    DETAILS,
    KindDetails,
    asset_fieldsets,
)
from devices.choices import AssetKind
from devices.models import Asset, CameraLight, Fault, MaintenanceRecord, Zone
from devices.services import registry as services
from devices.services.proximity import proximity_update_for


def _details_inline(spec: KindDetails) -> type[admin.StackedInline]:
    """The inline of a kind's details: the declared fields, a referenced asset by its id.
    Secrets (a TALQ gateway's keys) are write-only: not in the admin, set through the API."""
    return type(
        f"{spec.model.__name__}Inline",
        (admin.StackedInline,),
        {
            "__module__": __name__,
            "model": spec.model,
            "fk_name": "asset",
            "fields": tuple(name for name in spec.fields if name not in spec.secrets),
            "raw_id_fields": spec.references,
            "can_delete": False,
        },
    )


class CameraLightInline(admin.TabularInline):
    model = CameraLight
    fk_name = "camera"
    extra = 0
    raw_id_fields = ["light"]
    readonly_fields = ["distance_m"]
    fields = ["light", "distance_m", "manual"]
    verbose_name = "linked light"


INLINES = {kind: [_details_inline(spec)] for kind, spec in DETAILS.items()}
INLINES[AssetKind.CAMERA].append(CameraLightInline)


@admin.register(Zone)
class ZoneAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "lighting_class", "min_level", "time_zone"]
    list_filter = ["kind", "lighting_class", "parent"]
    search_fields = ["name", "lighting_class"]
    readonly_fields = ["min_latitude", "max_latitude", "min_longitude", "max_longitude", "area_m2"]
    raw_id_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.ZONE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            saved = services.zone_update(zone=obj, actor=request.user, data=data)
        else:
            saved = services.zone_create(actor=request.user, data=data)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.zone_delete(zone=obj, actor=request.user)


class AssetForm(forms.ModelForm):
    """The asset form of the admin: a point outside the site's bounds is a form error here (the
    service refuses it too, which would be a server error at save time)."""

    def clean(self):
        data = super().clean()
        moved = {"latitude", "longitude"} & set(self.changed_data)
        if moved and data.get("latitude") is not None and data.get("longitude") is not None:
            services.asset_location_check(latitude=data["latitude"], longitude=data["longitude"])
        return data


@admin.register(Asset)
class AssetAdmin(AuditedAdmin):
    form = AssetForm
    list_display = [
        "device_id",
        "kind",
        "name",
        "zone",
        "status",
        "manufacturer",
        "model",
        "online",
        "updated_at",
    ]
    list_filter = ["kind", "status", "zone__kind", "manufacturer", "state__online", "zone"]
    search_fields = ["device_id", "name", "serial"]
    list_select_related = ["zone", "state"]
    readonly_fields = [*ASSET_COMPUTED_FIELDS, "created_at", "updated_at"]
    list_per_page = 100
    actions = ["decommission"]
    fieldsets = [
        *((name, {"fields": fields}) for name, fields in asset_fieldsets()),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(boolean=True, ordering="state__online")
    def online(self, asset: Asset) -> bool | None:
        state = getattr(asset, "state", None)
        return state.online if state else None

    def get_inlines(self, request, obj):
        return INLINES.get(obj.kind, []) if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, *ASSET_IDENTITY_FIELDS] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in ASSET_EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            services.asset_update(asset=obj, actor=request.user, data=data)
        else:
            saved = services.asset_create(
                actor=request.user,
                device_id=form.cleaned_data["device_id"],
                kind=form.cleaned_data["kind"],
                **data,
            )
            obj.pk = saved.pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if formsets:  # details or manual links edited inline
            audit_record(
                actor=request.user,
                action="asset.details_updated",
                target=form.instance,
                details={"via": "admin"},
            )
            proximity_update_for(asset=form.instance)
            # Inline details (a Frigate name, a controller's endpoint) reach the gateways now.
            services.registry_changed_notify(device_ids=[form.instance.device_id])

    def delete_model(self, request, obj):
        try:
            services.asset_delete(asset=obj, actor=request.user)
        except ApplicationError as error:
            raise ValidationError(error.message) from None

    def delete_queryset(self, request, queryset):
        for asset in queryset:
            self.delete_model(request, asset)

    @admin.action(description="Decommission the selected assets", permissions=["decommission"])
    def decommission(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        for asset in queryset:
            services.asset_decommission(asset=asset, actor=request.user, reason="admin action")
        self.message_user(request, f"{queryset.count()} assets decommissioned.", messages.SUCCESS)

    def has_decommission_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("devices.decommission_asset")


@admin.register(Fault)
class FaultAdmin(AuditedAdmin):
    list_display = ["asset", "type", "raised_at", "cleared_at"]
    list_filter = ["type", ("cleared_at", admin.EmptyFieldListFilter), "asset__kind"]
    search_fields = ["asset__device_id", "asset__name"]
    list_select_related = ["asset"]
    raw_id_fields = ["asset"]
    date_hierarchy = "raised_at"


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(AuditedAdmin):
    list_display = ["asset", "kind", "status", "opened_at", "closed_at", "assigned_to"]
    list_filter = ["status", "kind", "asset__kind"]
    search_fields = ["asset__device_id", "notes", "assigned_to"]
    list_select_related = ["asset"]
    raw_id_fields = ["asset", "fault"]
    date_hierarchy = "opened_at"
    readonly_fields = ["opened_by"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in services.MAINTENANCE_FIELDS
                if name in form.cleaned_data
            }
            services.maintenance_update(record=obj, actor=request.user, data=data)
        else:
            saved = services.maintenance_open(
                actor=request.user,
                asset=form.cleaned_data["asset"],
                kind=form.cleaned_data["kind"],
                notes=form.cleaned_data.get("notes", ""),
                assigned_to=form.cleaned_data.get("assigned_to", ""),
                fault=form.cleaned_data.get("fault"),
                opened_at=form.cleaned_data.get("opened_at"),
            )
            obj.pk = saved.pk
            obj._state.adding = False
