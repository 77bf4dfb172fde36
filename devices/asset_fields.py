"""The asset registry's field list, declared once.

What an asset holds and what each kind's details hold, in the order every listing shows them.
Four places read it, so that a field added here appears in all of them: the registry services
(what a person may change), the CSV format (its columns, devices/assets_csv.py), the API's
serializers (devices/api/registry_serializers.py) and the admin's pages (devices/admin/).
tests/devices/test_asset_fields.py holds the declaration to the models.
"""

import functools
from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from devices.choices import AssetKind
from devices.models import CameraDetails, ControllerDetails, SensorDetails, StreetlightDetails


class Role(StrEnum):
    """Who sets a field of an asset."""

    IDENTITY = "identity"  # given at registration, never changed: devices use the id on the wire
    EDITABLE = "editable"  # a person's, through the API, the admin or an import
    COMPUTED = "computed"  # the platform's (the zone, from the point and the zones' boundaries)


@dataclass(frozen=True, slots=True)
class AssetField:
    name: str
    role: Role
    fieldset: str | None  # the admin's section: None for the asset itself, then "Location", …


ASSET_FIELDS: tuple[AssetField, ...] = (
    AssetField("device_id", Role.IDENTITY, None),
    AssetField("kind", Role.IDENTITY, None),
    AssetField("name", Role.EDITABLE, None),
    AssetField("latitude", Role.EDITABLE, "Location"),
    AssetField("longitude", Role.EDITABLE, "Location"),
    AssetField("zone", Role.COMPUTED, "Location"),
    AssetField("status", Role.EDITABLE, None),
    AssetField("manufacturer", Role.EDITABLE, "Asset"),
    AssetField("model", Role.EDITABLE, "Asset"),
    AssetField("serial", Role.EDITABLE, "Asset"),
    AssetField("firmware_version", Role.EDITABLE, "Asset"),
    AssetField("installed_on", Role.EDITABLE, "Asset"),
    AssetField("warranty_until", Role.EDITABLE, "Asset"),
    AssetField("attributes", Role.EDITABLE, "Asset"),
)
# Every field, in order: the CSV's first columns, the API's asset fields.
ASSET_FIELD_NAMES = tuple(f.name for f in ASSET_FIELDS)
# Given at registration and never changed.
ASSET_IDENTITY_FIELDS = tuple(f.name for f in ASSET_FIELDS if f.role == Role.IDENTITY)
# Set by the platform, never by a person.
ASSET_COMPUTED_FIELDS = tuple(f.name for f in ASSET_FIELDS if f.role == Role.COMPUTED)
# What registration takes (the identity and the editable fields): the API's input.
ASSET_INPUT_FIELDS = tuple(f.name for f in ASSET_FIELDS if f.role != Role.COMPUTED)
# What a person may change after registration: the services' allowed fields.
ASSET_EDITABLE_FIELDS = tuple(f.name for f in ASSET_FIELDS if f.role == Role.EDITABLE)


def asset_fieldsets() -> list[tuple[str | None, list[str]]]:
    """The fields grouped by their admin section, sections in the order they first appear."""
    sections: dict[str | None, list[str]] = {}
    for field in ASSET_FIELDS:
        sections.setdefault(field.fieldset, []).append(field.name)
    return list(sections.items())


@dataclass(frozen=True)
class KindDetails:
    """The kind-specific details of one kind of asset, in their own one-to-one table."""

    model: type[models.Model]
    related: str  # the one-to-one's name on Asset
    fields: tuple[str, ...]  # every field but the asset, in the model's order
    csv_fields: tuple[str, ...]  # those the CSV carries (limits and templates it leaves out)
    secrets: tuple[str, ...] = ()  # write-only: taken, never shown (TALQ keys)

    @functools.cached_property
    def references(self) -> tuple[str, ...]:
        """The fields naming another asset (a light's controller): the API and the CSV show
        and take its device id."""
        return tuple(n for n in self.fields if self.model._meta.get_field(n).is_relation)

    @functools.cached_property
    def values(self) -> tuple[str, ...]:
        """The fields holding a value of their own that are shown (all but the references and
        the secrets)."""
        return tuple(n for n in self.fields if n not in self.references and n not in self.secrets)


DETAILS: dict[str, KindDetails] = {
    AssetKind.STREETLIGHT: KindDetails(
        model=StreetlightDetails,
        related="streetlight",
        fields=(
            "lamp_technology",
            "rated_power_w",
            "colour_temperature_k",
            "column_height_m",
            "controller",
            "protocol",
            "min_level",
            "max_level",
            "date_last_lamp_change",
        ),
        csv_fields=(
            "lamp_technology",
            "rated_power_w",
            "colour_temperature_k",
            "column_height_m",
            "controller",
            "protocol",
        ),
    ),
    AssetKind.CAMERA: KindDetails(
        model=CameraDetails,
        related="camera",
        fields=(
            "ptz",
            "analytics_allowlist",
            "frigate_camera",
            "onvif_source",
            "purpose",
            "review_due",
        ),
        csv_fields=(
            "ptz",
            "analytics_allowlist",
            "frigate_camera",
            "onvif_source",
            "purpose",
            "review_due",
        ),
    ),
    AssetKind.SENSOR: KindDetails(
        model=SensorDetails,
        related="sensor",
        fields=("measures", "unit"),
        csv_fields=("measures", "unit"),
    ),
    AssetKind.CONTROLLER: KindDetails(
        model=ControllerDetails,
        related="controller",
        fields=(
            "protocol",
            "endpoint_url",
            "mqtt_prefix",
            "browse_path_template",
            "talq_gateway_key",
            "talq_cms_key",
        ),
        csv_fields=("protocol", "endpoint_url", "mqtt_prefix"),
        secrets=("talq_gateway_key", "talq_cms_key"),
    ),
}


def details_text() -> str:
    """The kinds' details in words, for the API's documentation of its `details` object."""
    parts = []
    for kind, spec in DETAILS.items():
        names = []
        for name in spec.fields:
            choices = spec.model._meta.get_field(name).choices
            if name in spec.references:
                names.append(f"{name} (a {name}'s device_id)")
            elif choices:
                names.append(f"{name} ({'|'.join(str(value) for value, _label in choices)})")
            else:
                names.append(name)
        parts.append(f"{kind}: {', '.join(names)}")
    return "Kind-specific fields. " + "; ".join(parts) + "."
