"""The asset registry: zones and the assets in them, with kind-specific details.

Field names follow the Smart Data Models vocabulary (`Streetlight`, `StreetlightModel`,
`StreetlightControlCabinet`, `Camera`, `Device`) where a field means the same.
"""

import hashlib
import math
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from devices.choices import (
    AssetKind,
    ControlProtocol,
    LampTechnology,
    LifecycleStatus,
    ZoneKind,
)
from devices.geo import BoundaryError, area_m2, boundary_shape

DEVICE_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
device_id_validator = RegexValidator(
    DEVICE_ID_PATTERN, "A device id is 1 to 64 letters, digits, '_', '.' or '-'."
)
LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Zone(models.Model):
    """An area of the city (city → ward → street, venues, high-risk sites) with a boundary.

    The boundary is a GeoJSON Polygon or MultiPolygon in WGS84; assets are placed in zones by
    point-in-polygon from it, never by hand. `min_level` is the dimming floor the zone's lighting
    class allows (BS 5489-1 / EN 13201).
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ZoneKind.choices, default=ZoneKind.STREET)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(null=True, blank=True, help_text="GeoJSON Polygon or MultiPolygon")
    # The boundary's bounding box, kept with it for cheap map and containment queries.
    min_latitude = models.FloatField(null=True, blank=True, editable=False)
    max_latitude = models.FloatField(null=True, blank=True, editable=False)
    min_longitude = models.FloatField(null=True, blank=True, editable=False)
    max_longitude = models.FloatField(null=True, blank=True, editable=False)
    # Approximate area in m²: the smallest zone containing a point is the one it is assigned to.
    area_m2 = models.FloatField(null=True, blank=True, editable=False)
    lighting_class = models.CharField(max_length=10, blank=True, help_text="e.g. P3, M4, C2")
    min_level = models.PositiveSmallIntegerField(
        default=0, validators=LEVEL_VALIDATORS, help_text="Dimming floor in %"
    )
    time_zone = models.CharField(max_length=64, default="Europe/London")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="zone_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_extent()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.boundary is not None:
            try:
                boundary_shape(self.boundary)
            except BoundaryError as error:
                errors["boundary"] = str(error)
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = f"Unknown time zone {self.time_zone!r}."
        if self.parent_id is not None and self.pk is not None:
            ancestor, seen = self.parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                if ancestor.pk == self.pk:
                    errors["parent"] = "A zone cannot be inside itself."
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)

    def refresh_extent(self) -> None:
        """Computes the bounding box and area from the boundary (None without one)."""
        try:
            geometry = boundary_shape(self.boundary) if self.boundary else None
        except BoundaryError:
            geometry = None
        if geometry is None:
            self.min_latitude = self.max_latitude = None
            self.min_longitude = self.max_longitude = None
            self.area_m2 = None
            return
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        self.min_latitude, self.max_latitude = min_lat, max_lat
        self.min_longitude, self.max_longitude = min_lon, max_lon
        self.area_m2 = area_m2(geometry)


class Asset(models.Model):
    """Every device the city keeps: streetlights, cameras, sensors, controllers.

    One table for what all assets share (so a query over all assets is one query) and one
    table per kind for the rest, joined one-to-one.
    """

    device_id = models.CharField(
        max_length=64, unique=True, validators=[device_id_validator], help_text="The id on the wire"
    )
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    name = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    status = models.CharField(
        max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    manufacturer = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    serial = models.CharField(max_length=100, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True)
    installed_on = models.DateField(null=True, blank=True)
    warranty_until = models.DateField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # A copy of `state.online` in the asset's own row, so that the list's `online` filter and
    # its count read one table (an index-only scan) instead of joining every asset's state.
    # PostgreSQL triggers keep it in step with AssetState whoever writes it (migration 0005).
    # Never set it from Python.
    online_copy = models.BooleanField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device_id"]
        permissions = [
            ("import_assets", "Can import assets from CSV"),
            ("decommission_asset", "Can decommission an asset"),
        ]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["latitude", "longitude"]),
            models.Index(fields=["serial"]),
            # Counts of online assets by kind and status (the list's `online` filter); partial,
            # so a new asset (never heard from) costs the import no entry.
            models.Index(
                fields=["kind", "status"],
                condition=Q(online_copy=True),
                name="asset_online_kind_status",
            ),
        ]

    def __str__(self) -> str:
        return self.device_id

    def clean(self) -> None:
        errors = {}
        if not isinstance(self.attributes, dict):
            errors["attributes"] = "Attributes must be a JSON object."
        for field in ("latitude", "longitude"):
            value = getattr(self, field)
            if isinstance(value, float) and not math.isfinite(value):
                errors[field] = "Must be a finite number."
        if self.installed_on and self.warranty_until and self.warranty_until < self.installed_on:
            errors["warranty_until"] = "The warranty cannot end before the installation."
        if errors:
            raise ValidationError(errors)


class StreetlightDetails(models.Model):
    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="streetlight"
    )
    lamp_technology = models.CharField(
        max_length=20, choices=LampTechnology.choices, default=LampTechnology.LED
    )
    rated_power_w = models.FloatField(default=60, validators=[MinValueValidator(0)])
    colour_temperature_k = models.PositiveIntegerField(null=True, blank=True)
    column_height_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    controller = models.ForeignKey(
        Asset,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="controlled_lights",
        limit_choices_to={"kind": AssetKind.CONTROLLER},
    )
    protocol = models.CharField(
        max_length=10, choices=ControlProtocol.choices, default=ControlProtocol.MQTT
    )
    min_level = models.PositiveSmallIntegerField(default=0, validators=LEVEL_VALIDATORS)
    max_level = models.PositiveSmallIntegerField(default=100, validators=LEVEL_VALIDATORS)
    date_last_lamp_change = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "streetlight details"

    def __str__(self) -> str:
        return f"streetlight {self.asset_id}"

    def clean(self) -> None:
        errors = {}
        if (
            self.min_level is not None
            and self.max_level is not None
            and self.min_level > self.max_level
        ):
            errors["min_level"] = "The minimum level is above the maximum level."
        if self.controller_id is not None and self.controller.kind != AssetKind.CONTROLLER:
            errors["controller"] = f"{self.controller} is not a controller."
        if errors:
            raise ValidationError(errors)


class CameraDetails(models.Model):
    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="camera"
    )
    ptz = models.BooleanField(default=False)
    analytics_allowlist = models.JSONField(
        default=list, blank=True, help_text="Event types this camera may raise"
    )
    frigate_camera = models.CharField(max_length=100, blank=True, db_index=True)
    # ONVIF Profile M: "<MQTT TopicPrefix>/<VideoSource token>" (docs/onvif.md).
    onvif_source = models.CharField(max_length=200, blank=True, db_index=True)
    # Surveillance Camera Code, principle 1: a specified purpose, reviewed.
    purpose = models.TextField(blank=True)
    review_due = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "camera details"

    def __str__(self) -> str:
        return f"camera {self.asset_id}"

    def clean(self) -> None:
        allowlist = self.analytics_allowlist
        if not isinstance(allowlist, list) or not all(
            isinstance(t, str) and t.strip() for t in allowlist
        ):
            raise ValidationError(
                {"analytics_allowlist": 'A list of event type names, e.g. ["motion", "crowd"].'}
            )


class SensorDetails(models.Model):
    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="sensor"
    )
    measures = models.CharField(max_length=50, help_text="lux, footfall, flood_level, …")
    unit = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "sensor details"

    def __str__(self) -> str:
        return f"sensor {self.asset_id}"


class ControllerDetails(models.Model):
    """A cabinet or segment controller (Smart Data Models `StreetlightControlCabinet`)."""

    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="controller"
    )
    protocol = models.CharField(max_length=10, choices=ControlProtocol.choices)
    endpoint_url = models.CharField(max_length=300, blank=True, help_text="opc.tcp://host:port/…")
    mqtt_prefix = models.CharField(max_length=200, blank=True)
    browse_path_template = models.CharField(
        max_length=300, blank=True, help_text="Another vendor's layout; blank: the contract's"
    )
    # TALQ 2.7.1 gateways (docs/talq.md): the key the platform sends to the gateway (kept, as it
    # must be sent) and the key the gateway sends to the platform (kept as its SHA-256 only).
    # Both write-only: the API never shows them (devices/asset_fields.py `secrets`).
    talq_gateway_key = models.CharField(max_length=200, blank=True)
    talq_cms_key = models.CharField(
        max_length=80, blank=True, db_index=True, help_text="Stored as sha256:<hex> of the key"
    )

    class Meta:
        verbose_name_plural = "controller details"

    def __str__(self) -> str:
        return f"controller {self.asset_id}"

    def save(self, *args, **kwargs):
        self.talq_cms_key = talq_key_digest(self.talq_cms_key)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.protocol == ControlProtocol.OPCUA and not self.endpoint_url.startswith(
            "opc.tcp://"
        ):
            raise ValidationError(
                {"endpoint_url": "An OPC-UA controller needs an opc.tcp:// endpoint URL."}
            )
        if self.protocol == ControlProtocol.TALQ and (
            self.endpoint_url or self.talq_gateway_key or self.talq_cms_key
        ):  # a TALQ gateway (a cabinet reported by one has none of these)
            errors = {}
            if not self.endpoint_url.startswith(("https://", "http://")):
                errors["endpoint_url"] = "A TALQ gateway needs the http(s):// URL of its API."
            for name in ("talq_gateway_key", "talq_cms_key"):
                if len(getattr(self, name)) < 16:
                    errors[name] = "A TALQ key of at least 16 characters is needed."
            if errors:
                raise ValidationError(errors)


TALQ_KEY_PREFIX = "sha256:"


def talq_key_digest(key: str) -> str:
    """A TALQ CMS key as stored: `sha256:<hex>` (a digest already is returned as it is)."""
    if not key or key.startswith(TALQ_KEY_PREFIX):
        return key
    return TALQ_KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()


class CameraLight(models.Model):
    """A light near a camera: within the proximity radius, or linked by hand."""

    camera = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="nearby_lights")
    light = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="nearby_cameras")
    distance_m = models.FloatField()
    manual = models.BooleanField(default=False, help_text="Linked by hand, kept when assets move")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["camera", "light"], name="camera_light_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} → {self.light_id} ({self.distance_m:.0f} m)"
