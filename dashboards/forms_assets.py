"""The asset pages' forms: they parse what a person typed into the values the registry's
services take; the services validate (the API's rules, one place)."""

from typing import Any

from django import forms

from devices.choices import (
    LampTechnology,
    LifecycleStatus,
    MaintenanceKind,
    MaintenanceStatus,
)

# Decommissioning has its own button (and a reason): not one status among others here.
EDIT_STATUSES = [c for c in LifecycleStatus.choices if c[0] != LifecycleStatus.DECOMMISSIONED]
ASSET_TEXT = ("name", "manufacturer", "model", "serial", "firmware_version")


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


# The kind-specific details a person mends on the page (the registry validates them with the
# kind's rules); limits, links to other assets and allowlists stay with the API and the admin.
KIND_DETAILS = {
    "streetlight": lambda: {
        "lamp_technology": forms.ChoiceField(label="Lamp", choices=LampTechnology.choices),
        "rated_power_w": forms.FloatField(label="Rated power (W)", min_value=0),
    },
    "camera": lambda: {
        "purpose": forms.CharField(label="Purpose", required=False, widget=forms.Textarea),
        "frigate_camera": forms.CharField(label="Frigate camera", max_length=100, required=False),
        "review_due": _date("Privacy review due"),
    },
    "sensor": lambda: {
        "measures": forms.CharField(label="Measures", max_length=50),
        "unit": forms.CharField(label="Unit", max_length=20, required=False),
    },
    "controller": lambda: {
        "endpoint_url": forms.CharField(label="Endpoint URL", max_length=300, required=False),
        "mqtt_prefix": forms.CharField(label="MQTT prefix", max_length=200, required=False),
    },
}


class _WordsMixin:
    def problems(self) -> list[str]:
        """The form's errors as sentences naming the field by its label."""
        return [
            f"{self.fields[name].label if name in self.fields else ''}: {message}".lstrip(": ")
            for name, errors in self.errors.items()
            for message in errors
        ]


class AssetEditForm(_WordsMixin, forms.Form):
    name = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(choices=EDIT_STATUSES)
    latitude = forms.FloatField(label="Latitude", min_value=-90, max_value=90)
    longitude = forms.FloatField(label="Longitude", min_value=-180, max_value=180)
    manufacturer = forms.CharField(max_length=100, required=False)
    model = forms.CharField(max_length=100, required=False)
    serial = forms.CharField(max_length=100, required=False)
    firmware_version = forms.CharField(label="Firmware", max_length=50, required=False)
    installed_on = _date("Installed on")
    warranty_until = _date("Warranty until")

    def __init__(self, data=None, *, asset, details=None):
        """`details`: the asset's details row (`registry.details_of`), or None for none."""
        names = (*ASSET_TEXT, "latitude", "longitude", "status", "installed_on", "warranty_until")
        initial = {name: getattr(asset, name) for name in names}
        extra = KIND_DETAILS[asset.kind]() if details is not None else {}
        initial |= {name: getattr(details, name) for name in extra}
        super().__init__(data, initial=initial)
        self.fields.update(extra)
        self.detail_names = tuple(extra)
        if asset.status == LifecycleStatus.DECOMMISSIONED:
            self.fields["status"].choices = LifecycleStatus.choices

    def asset_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.detail_names}

    def details_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.detail_names}


class MaintenanceForm(_WordsMixin, forms.Form):
    """A new work order: what, for which open fault (optional), assigned to whom."""

    kind = forms.ChoiceField(label="Work", choices=MaintenanceKind.choices)
    fault = forms.TypedChoiceField(label="Fault", coerce=int, required=False, empty_value=None)
    assigned_to = forms.CharField(label="Assigned to", max_length=150, required=False)
    notes = forms.CharField(label="Notes", max_length=4000, required=False)

    def __init__(self, data=None, *, faults=()):
        super().__init__(data)
        self.open_faults = {f.pk: f for f in faults if f.cleared_at is None}
        self.fields["fault"].choices = [("", "None")] + [
            (pk, f"{f.get_type_display()} since {f.raised_at:%d %b %H:%M}")
            for pk, f in self.open_faults.items()
        ]

    def clean_fault(self):
        pk = self.cleaned_data.get("fault")
        return self.open_faults[pk] if pk is not None else None


class MaintenanceProgressForm(_WordsMixin, forms.Form):
    status = forms.ChoiceField(label="Status", choices=MaintenanceStatus.choices, required=False)
    assigned_to = forms.CharField(label="Assigned to", max_length=150, required=False)
