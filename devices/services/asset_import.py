"""Bulk import of assets from CSV (the format is in docs/assets-csv.md).

Every row is validated (types, WGS84 coordinates within the site's bounds, kind, status, zone,
duplicate device ids in the file and in the registry, controller references, the model's own
rules); the report lists each bad row with its line number and reasons. Nothing is written unless
every row is valid, or the caller asks for the valid rows only. A dry run validates and writes
nothing. Rows are inserted in bulk in one transaction, zones are computed from the boundaries in
one vectorised pass, and one audit entry records the import. Cells neutralised by the export
(cityplatform.csvsafe: `'=…`) are read back as they were.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from shapely import prepared

from cityplatform.csvsafe import cell_restore
from cityplatform.services import Actor, audit_record
from devices.asset_fields import ASSET_INPUT_FIELDS, DETAILS
from devices.assets_csv import DETAIL_COLUMNS, ImportFileError, cell_float, cell_value, csv_read
from devices.choices import AssetKind
from devices.geo import BoundaryError, boundary_shape
from devices.models import Asset, Zone
from devices.selectors.registry import site_bounds
from devices.services.pg import copy_insert
from devices.services.proximity import proximity_link_new
from devices.services.registry import registry_changed_notify, zone_index_build

# ImportFileError is the format's (devices/assets_csv.py); callers take it from here.
__all__ = ["ImportFileError", "ImportReport", "RowError", "assets_import"]

KINDS = frozenset(AssetKind.values)
KINDS_TEXT = ", ".join(AssetKind.values)
# Read with their own rules (required, WGS84), not as their field's type.
OWN_RULES = ("device_id", "kind", "latitude", "longitude")
# Fields the parser has already checked (type and range): the model's clean skips them.
PARSED_ASSET_FIELDS = [
    "kind",
    *(
        name
        for name in ASSET_INPUT_FIELDS
        if not isinstance(Asset._meta.get_field(name), models.CharField)
    ),
]
PARSED_DETAIL_FIELDS = ["ptz", "review_due"]


@dataclass
class RowError:
    line: int
    device_id: str
    errors: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "device_id": self.device_id, "errors": self.errors}


@dataclass
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    written: bool = False
    dry_run: bool = False
    valid_only: bool = False
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "invalid_rows": len(self.errors),
            "created": self.created,
            "written": self.written,
            "dry_run": self.dry_run,
            "valid_only": self.valid_only,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _Row:
    line: int
    asset: Asset
    details: Any
    controller: str
    zone_hint: Zone | None


class _Zones:
    """Zone lookups by id or name, and point-in-boundary checks of a named zone."""

    def __init__(self):
        zones = list(Zone.objects.all())
        self.by_id = {str(z.pk): z for z in zones}
        self.by_name: dict[str, list[Zone]] = {}
        for zone in zones:
            self.by_name.setdefault(zone.name.casefold(), []).append(zone)
        self._prepared: dict[int, Any] = {}
        self.bounds = site_bounds()

    def find(self, value: str) -> tuple[Zone | None, str | None]:
        if value in self.by_id:
            return self.by_id[value], None
        found = self.by_name.get(value.casefold(), [])
        if not found:
            return None, f"unknown zone {value!r}"
        if len(found) > 1:
            return None, f"zone name {value!r} is ambiguous: give its id"
        return found[0], None

    def contains(self, zone: Zone, latitude: float, longitude: float) -> bool:
        if not zone.boundary:
            return True
        if zone.pk not in self._prepared:
            try:
                self._prepared[zone.pk] = prepared.prep(boundary_shape(zone.boundary))
            except BoundaryError:
                self._prepared[zone.pk] = None
        geometry = self._prepared[zone.pk]
        if geometry is None:
            return True
        return geometry.covers(shapely.Point(longitude, latitude))


def _existing_ids(device_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(device_ids), 10_000):
        chunk = device_ids[start : start + 10_000]
        found.update(Asset.objects.filter(device_id__in=chunk).values_list("device_id", flat=True))
    return found


def _validate_row(line: int, raw: dict[str, str], zones: _Zones) -> tuple[_Row | None, RowError]:
    # Stripped, then the export's neutralised cells ('=…) given back as they were written.
    values = {k: cell_restore((v or "").strip()) for k, v in raw.items() if k is not None}
    errors: dict[str, str] = {}
    if None in raw:
        errors["row"] = "more fields than columns in the header"
    device_id = values.get("device_id", "")
    kind = values.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = f"unknown kind {kind!r} (one of {KINDS_TEXT})"
    latitude = cell_float(values.get("latitude", ""), "latitude", errors)
    longitude = cell_float(values.get("longitude", ""), "longitude", errors)
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = f"outside WGS84 (-90 to 90): {latitude}"
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = f"outside WGS84 (-180 to 180): {longitude}"
    zone_hint = None
    if values.get("zone"):
        zone_hint, problem = zones.find(values["zone"])
        if problem:
            errors["zone"] = problem
    asset = Asset(
        device_id=device_id,
        kind=kind,
        latitude=latitude if latitude is not None else 0.0,
        longitude=longitude if longitude is not None else 0.0,
    )
    for name in ASSET_INPUT_FIELDS:  # an empty cell takes the default
        if name not in OWN_RULES and (value := values.get(name)):
            parsed = cell_value(Asset._meta.get_field(name), value, errors)
            if parsed is not None:
                setattr(asset, name, parsed)
    try:
        asset.full_clean(
            exclude=[*errors, *PARSED_ASSET_FIELDS, "zone"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    details = None
    controller = ""
    if kind in DETAILS:
        spec = DETAILS[kind]
        details = spec.model(asset=asset)
        for column, (kinds, name) in DETAIL_COLUMNS.items():
            value = values.get(column, "")
            if not value or kind not in kinds:
                continue
            if name in spec.references:  # a device id, looked up once the file is read
                controller = value
                continue
            parsed = cell_value(spec.model._meta.get_field(name), value, errors)
            if parsed is not None:
                setattr(details, name, parsed)
        exclude = ["asset", *spec.references, *PARSED_DETAIL_FIELDS, *errors]
        try:
            details.full_clean(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, " ".join(messages))
    if (
        zone_hint is not None
        and latitude is not None
        and longitude is not None
        and "latitude" not in errors
        and "longitude" not in errors
        and not zones.contains(zone_hint, latitude, longitude)
    ):
        errors["zone"] = f"the point lies outside zone {zone_hint.name!r}"
    if (
        zones.bounds is not None
        and latitude is not None
        and longitude is not None
        and "latitude" not in errors
        and "longitude" not in errors
        and (problem := zones.bounds.problem(latitude, longitude))
    ):
        errors["coordinates"] = problem
    row_error = RowError(line=line, device_id=device_id, errors=errors)
    if errors:
        return None, row_error
    return _Row(line, asset, details, controller, zone_hint), row_error


def assets_import(
    *,
    data: bytes | str,
    actor: Actor,
    valid_only: bool = False,
    dry_run: bool = False,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> ImportReport:
    """Validates and imports an assets CSV; see the module's docstring. ImportFileError when
    the file cannot be read at all (encoding, header). `progress(n)` is told each time another
    `progress_every` rows have been read (and of the rest at the end)."""
    report = ImportReport(dry_run=dry_run, valid_only=valid_only)
    _header, rows = csv_read(data)
    zones = _Zones()
    good: list[_Row] = []
    first_line: dict[str, int] = {}
    for line, raw in rows:
        report.total_rows += 1
        row, row_error = _validate_row(line, raw, zones)
        device_id = row_error.device_id
        if device_id and "device_id" not in row_error.errors:
            if device_id in first_line:
                row_error.errors["device_id"] = (
                    f"duplicate device_id {device_id!r} (also on line {first_line[device_id]})"
                )
                row = None
            else:
                first_line[device_id] = line
        if row_error.errors:
            report.errors.append(row_error)
        else:
            good.append(row)
        if progress and report.total_rows % progress_every == 0:
            progress(progress_every)
    if progress and report.total_rows % progress_every:
        progress(report.total_rows % progress_every)

    existing = _existing_ids([r.asset.device_id for r in good])
    if existing:
        kept = []
        for row in good:
            if row.asset.device_id in existing:
                report.errors.append(
                    RowError(
                        row.line,
                        row.asset.device_id,
                        {"device_id": f"device_id {row.asset.device_id!r} is already registered"},
                    )
                )
            else:
                kept.append(row)
        good = kept

    file_controllers = {r.asset.device_id for r in good if r.asset.kind == AssetKind.CONTROLLER}
    wanted = sorted({r.controller for r in good if r.controller} - file_controllers)
    registered = dict(
        Asset.objects.filter(device_id__in=wanted, kind=AssetKind.CONTROLLER).values_list(
            "device_id", "pk"
        )
    )
    kept = []
    for row in good:
        if row.controller and row.controller not in file_controllers | registered.keys():
            report.errors.append(
                RowError(
                    row.line,
                    row.asset.device_id,
                    {"controller": f"unknown controller {row.controller!r}"},
                )
            )
        else:
            kept.append(row)
    good = kept
    report.errors.sort(key=lambda e: e.line)
    report.valid_rows = len(good)

    if dry_run or (report.errors and not valid_only) or not good:
        return report
    _write(good, registered)
    registry_changed_notify(device_ids=[r.asset.device_id for r in good])
    report.created = len(good)
    report.written = True
    audit_record(
        actor=actor,
        action="assets.imported",
        target_type="devices.asset",
        details={
            "file": filename,
            "created": report.created,
            "rows": report.total_rows,
            "skipped_lines": [e.line for e in report.errors][:1000],
            "valid_only": valid_only,
        },
    )
    return report


@transaction.atomic
def _write(rows: list[_Row], registered_controllers: dict[str, int]) -> None:
    index = zone_index_build()
    located = index.locate_many([r.asset.latitude for r in rows], [r.asset.longitude for r in rows])
    for row, zone_id in zip(rows, located, strict=True):
        row.asset.zone_id = zone_id or (row.zone_hint.pk if row.zone_hint else None)
    assets = [r.asset for r in rows]
    copy_insert(Asset, assets)
    ids: dict[str, int] = {}
    device_ids = [a.device_id for a in assets]
    for start in range(0, len(device_ids), 10_000):
        chunk = device_ids[start : start + 10_000]
        ids.update(Asset.objects.filter(device_id__in=chunk).values_list("device_id", "pk"))
    controllers = {**registered_controllers, **ids}
    by_model: dict[type, list] = {}
    for row in rows:
        row.asset.pk = ids[row.asset.device_id]
        if row.details is None:
            continue
        row.details.asset_id = row.asset.pk
        if row.controller:
            row.details.controller_id = controllers[row.controller]
        by_model.setdefault(type(row.details), []).append(row.details)
    for model, details in by_model.items():
        copy_insert(model, details)
    proximity_link_new(
        camera_ids={a.pk for a in assets if a.kind == AssetKind.CAMERA},
        light_ids={a.pk for a in assets if a.kind == AssetKind.STREETLIGHT},
    )
