"""Serializers of the registry API: thin input and output shapes; the services validate."""

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db.models import DateField
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cityplatform.api import InstantInput
from devices.asset_fields import ASSET_FIELD_NAMES, ASSET_INPUT_FIELDS, DETAILS, details_text
from devices.choices import AssetKind, FaultType, MaintenanceKind, ZoneKind
from devices.models import Asset, CameraLight, Fault, MaintenanceRecord, Zone
from devices.models.assets import DEVICE_ID_PATTERN
from devices.selectors.registry import DETAIL_FIELDS, STATE_FIELDS, asset_row

_SCALARS = (str, int, float, bool, list, dict)


def _datetime(value: datetime | None, tz: tzinfo | None) -> str | None:
    """What DRF's DateTimeField renders (ISO 8601 in the current time zone, "Z" for UTC), with
    the time zone looked up once per asset instead of once per value."""
    if value is None:
        return None
    if tz is not None and timezone.is_aware(value):
        value = value.astimezone(tz)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value: Any, tz: tzinfo | None) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, datetime):
        return _datetime(value, tz)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _current_timezone() -> tzinfo | None:
    return timezone.get_current_timezone() if settings.USE_TZ else None


# --- zones --------------------------------------------------------------------------------------


class ZoneSerializer(serializers.ModelSerializer):
    bbox = serializers.SerializerMethodField(help_text="[min_lon, min_lat, max_lon, max_lat]")

    class Meta:
        model = Zone
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "boundary",
            "bbox",
            "area_m2",
            "lighting_class",
            "min_level",
            "time_zone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["area_m2", "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.FloatField(), allow_null=True))
    def get_bbox(self, zone: Zone) -> list[float] | None:
        if zone.min_latitude is None:
            return None
        return [zone.min_longitude, zone.min_latitude, zone.max_longitude, zone.max_latitude]


class ZoneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ZoneKind.choices, default=ZoneKind.STREET)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Zone.objects.all(), allow_null=True, required=False
    )
    boundary = serializers.JSONField(
        allow_null=True, required=False, help_text="GeoJSON Polygon or MultiPolygon (WGS84)"
    )
    lighting_class = serializers.CharField(max_length=10, allow_blank=True, required=False)
    min_level = serializers.IntegerField(min_value=0, max_value=100, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)


# --- assets -------------------------------------------------------------------------------------


def _asset_output() -> tuple[tuple[str, str, bool], ...]:
    """(output name, flat row key, rendered by _plain) of the declared asset fields: the zone as
    its id and name; dates rendered, the other values JSON as they are."""
    output = []
    for name in ASSET_FIELD_NAMES:
        if name == "zone":
            output += [("zone", "zone_id", False), ("zone_name", "zone__name", False)]
        else:
            output.append((name, name, isinstance(Asset._meta.get_field(name), DateField)))
    return tuple(output)


_ASSET_OUTPUT = _asset_output()


class AssetSerializer(serializers.ModelSerializer):
    """An asset with its zone, kind-specific details and live state (all in one query)."""

    zone_name = serializers.CharField(
        source="zone.name", default=None, read_only=True, allow_null=True
    )
    details = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            *(
                name
                for field in ASSET_FIELD_NAMES
                for name in ((field, "zone_name") if field == "zone" else (field,))
            ),
            "details",
            "state",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, asset: Asset | Mapping[str, Any]) -> dict[str, Any]:
        """Built directly from a flat row (`asset_rows`, or `asset_row` of an instance) with
        the fields declared above: lists render a hundred assets at a time, and DRF's
        field-by-field path over model instances costs several times more."""
        row = asset if isinstance(asset, Mapping) else asset_row(asset)
        tz = _current_timezone()
        data: dict[str, Any] = {"id": row["id"]}
        for name, key, plain in _ASSET_OUTPUT:
            data[name] = _plain(row[key], tz) if plain else row[key]
        data["details"] = self.get_details(row, tz)
        data["state"] = self.get_state(row, tz)
        data["created_at"] = _datetime(row["created_at"], tz)
        data["updated_at"] = _datetime(row["updated_at"], tz)
        return data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, row: Mapping[str, Any], tz: tzinfo | None) -> dict[str, Any] | None:
        spec = DETAIL_FIELDS.get(row["kind"])
        if spec is None:
            return None
        related, names = spec
        if row[f"{related}__pk"] is None:
            return None
        data = {name: _plain(row[f"{related}__{name}"], tz) for name in names}
        for name in DETAILS[row["kind"]].references:
            data[name] = row[f"{related}__{name}__device_id"]
        return data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_state(self, row: Mapping[str, Any], tz: tzinfo | None) -> dict[str, Any] | None:
        if row["state__pk"] is None:
            return {"online": None}
        return {name: _plain(row[f"state__{name}"], tz) for name in STATE_FIELDS}


class AssetInputSerializer(serializers.ModelSerializer):
    # What registration and changes take: the fields declared in devices/asset_fields.py, typed
    # from the model, with the API's own rules where they are stricter or say more. The views
    # pass the validated data to the registry services (this serializer never saves).

    device_id = serializers.RegexField(DEVICE_ID_PATTERN, max_length=64)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    attributes = serializers.JSONField(required=False, help_text="A JSON object")
    details = serializers.JSONField(required=False, help_text=details_text())

    class Meta:
        model = Asset
        fields = [*ASSET_INPUT_FIELDS, "details"]

    def validate_attributes(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value

    def validate_details(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        value = dict(value)
        if "controller" in value and value["controller"] not in (None, ""):
            controller = Asset.objects.filter(
                device_id=value["controller"], kind=AssetKind.CONTROLLER
            ).first()
            if controller is None:
                raise serializers.ValidationError(
                    {"controller": f"No controller with device_id {value['controller']!r}."}
                )
            value["controller"] = controller
        elif "controller" in value:
            value["controller"] = None
        return value


class DecommissionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (docs/assets-csv.md)")
    valid_only = serializers.BooleanField(
        default=False, help_text="Import the valid rows and skip the bad ones"
    )
    dry_run = serializers.BooleanField(default=False, help_text="Validate only; write nothing")


class ImportErrorRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    device_id = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    invalid_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    written = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    valid_only = serializers.BooleanField()
    errors = ImportErrorRowSerializer(many=True)


class LightLinkSerializer(serializers.ModelSerializer):
    """A light linked to a camera: within the radius, or by hand (`manual`)."""

    id = serializers.IntegerField(source="light.id")
    device_id = serializers.CharField(source="light.device_id")
    name = serializers.CharField(source="light.name")
    latitude = serializers.FloatField(source="light.latitude")
    longitude = serializers.FloatField(source="light.longitude")
    status = serializers.CharField(source="light.status")

    class Meta:
        model = CameraLight
        fields = ["id", "device_id", "name", "latitude", "longitude", "status", "distance_m"]
        fields += ["manual"]


# --- faults and maintenance ----------------------------------------------------------------------


class FaultSerializer(serializers.ModelSerializer):
    device_id = serializers.CharField(source="asset.device_id", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Fault
        fields = ["id", "asset", "device_id", "type", "raised_at", "cleared_at", "is_open"]
        fields += ["details", "acknowledged_at", "acknowledged_by"]
        read_only_fields = ["acknowledged_at", "acknowledged_by"]


class FaultInputSerializer(serializers.Serializer):
    device_id = serializers.SlugRelatedField(
        slug_field="device_id", queryset=Asset.objects.all(), source="asset"
    )
    type = serializers.ChoiceField(choices=FaultType.choices)
    details = serializers.JSONField(required=False, default=dict)


class MaintenanceSerializer(serializers.ModelSerializer):
    device_id = serializers.CharField(source="asset.device_id", read_only=True)
    opened_by = serializers.CharField(source="opened_by.username", default=None, read_only=True)

    class Meta:
        model = MaintenanceRecord
        fields = [
            "id",
            "asset",
            "device_id",
            "kind",
            "status",
            "fault",
            "opened_at",
            "closed_at",
            "notes",
            "opened_by",
            "assigned_to",
        ]


class MaintenanceInputSerializer(serializers.Serializer):
    device_id = serializers.SlugRelatedField(
        slug_field="device_id", queryset=Asset.objects.all(), source="asset"
    )
    kind = serializers.ChoiceField(choices=MaintenanceKind.choices)
    notes = serializers.CharField(allow_blank=True, required=False, default="")
    assigned_to = serializers.CharField(
        max_length=150, allow_blank=True, required=False, default=""
    )
    fault = serializers.PrimaryKeyRelatedField(
        queryset=Fault.objects.all(), allow_null=True, required=False, default=None
    )


class MaintenanceUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=MaintenanceRecord._meta.get_field("status").choices, required=False
    )
    notes = serializers.CharField(allow_blank=True, required=False)
    assigned_to = serializers.CharField(max_length=150, allow_blank=True, required=False)
    closed_at = InstantInput(allow_null=True, required=False)
