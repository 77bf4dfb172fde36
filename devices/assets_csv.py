"""The assets CSV format, shared by the import and the export (documented in docs/assets-csv.md):
its columns (from devices/asset_fields.py), an asset written as a row, a file read into rows and
a cell read as its field's type.

One row per asset; the kind-specific columns are empty for other kinds.
"""

import csv
import io
import json
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models

from devices.asset_fields import ASSET_FIELD_NAMES, DETAILS
from devices.models import Asset

# The asset's own columns, then the kinds' details (a column shared by two kinds once).
COMMON_COLUMNS = list(ASSET_FIELD_NAMES)


def _detail_columns() -> dict[str, tuple[tuple[str, ...], str]]:
    """Column → (kinds it applies to, details field), in the kinds' order."""
    columns: dict[str, tuple[tuple[str, ...], str]] = {}
    for kind, spec in DETAILS.items():
        for name in spec.csv_fields:
            kinds, field = columns.get(name, ((), name))
            columns[name] = ((*kinds, str(kind)), field)
    return columns


DETAIL_COLUMNS = _detail_columns()
COLUMNS = COMMON_COLUMNS + list(DETAIL_COLUMNS)
REQUIRED_COLUMNS = ("device_id", "kind", "latitude", "longitude")


# The asset's text columns are written as they are; the others (dates, …) through _text; the
# point, the zone and the attributes have their own form.
_OWN_FORM = ("latitude", "longitude", "zone", "attributes")
_TEXT_COLUMNS = tuple(
    name
    for name in COMMON_COLUMNS
    if name not in _OWN_FORM and isinstance(Asset._meta.get_field(name), models.CharField)
)
_OTHER_COLUMNS = tuple(c for c in COMMON_COLUMNS if c not in _OWN_FORM and c not in _TEXT_COLUMNS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def asset_row(asset: Asset) -> list[str]:
    """The CSV row of an asset (with its zone and details selected)."""
    row = {name: getattr(asset, name) for name in _TEXT_COLUMNS}
    for name in _OTHER_COLUMNS:
        row[name] = _text(getattr(asset, name))
    row["latitude"] = repr(asset.latitude)
    row["longitude"] = repr(asset.longitude)
    row["zone"] = asset.zone.name if asset.zone_id else ""
    row["attributes"] = json.dumps(asset.attributes, ensure_ascii=False) if asset.attributes else ""
    spec = DETAILS.get(asset.kind)
    details = getattr(asset, spec.related, None) if spec else None
    for column, (kinds, field) in DETAIL_COLUMNS.items():
        if details is None or asset.kind not in kinds:
            row[column] = ""
        elif field in spec.references:
            row[column] = (
                getattr(details, field).device_id if getattr(details, f"{field}_id") else ""
            )
        elif column == "analytics_allowlist":
            row[column] = ";".join(details.analytics_allowlist or [])
        else:
            row[column] = _text(getattr(details, field))
    return [row[c] for c in COLUMNS]


# --- reading ------------------------------------------------------------------------------------

TRUE = {"true", "yes", "1", "y"}
FALSE = {"false", "no", "0", "n", ""}


class ImportFileError(ValueError):
    """The file itself cannot be read as an assets CSV (encoding, header)."""


def csv_read(data: bytes | str) -> tuple[list[str], Iterable[tuple[int, dict[str, str]]]]:
    """The header and the (line number, row) of every row that is not blank; ImportFileError
    when the file is not UTF-8 or its header misses a required column or names an unknown one
    (usually a typo)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportFileError(f"The file is not UTF-8 text ({error.reason}).") from None
    reader = csv.DictReader(io.StringIO(data, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("The file is empty: a header row is needed.")
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if unknown:
            parts.append(f"unknown columns {unknown}")
        raise ImportFileError("Bad header: " + "; ".join(parts) + f". Known columns: {COLUMNS}.")

    def rows():
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue  # a blank line
            yield reader.line_num, row

    return header, rows()


def cell_float(value: str, name: str, errors: dict[str, str]) -> float | None:
    try:
        number = float(value)
    except ValueError:
        errors[name] = f"not a number: {value!r}"
        return None
    if not math.isfinite(number):
        errors[name] = f"not a finite number: {value!r}"
        return None
    return number


def cell_date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = f"not a date (YYYY-MM-DD): {value!r}"
        return None


def cell_value(field: models.Field, value: str, errors: dict[str, str]) -> Any:
    """A non-empty cell read as its model field's type; None, with the reason in `errors` under
    the field's name, when it is not one. Text is taken as it is (the model's rules check it)."""
    name = field.name
    if isinstance(field, models.BooleanField):
        lowered = value.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        errors[name] = f"not true/false: {value!r}"
        return None
    if isinstance(field, models.FloatField):
        return cell_float(value, name, errors)
    if isinstance(field, models.IntegerField):
        try:
            return int(value)
        except ValueError:
            errors[name] = f"not a whole number: {value!r}"
            return None
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return cell_date(value, name, errors)
    if isinstance(field, models.JSONField) and field.default is list:
        # A list: `a;b` (or `a,b`), or written as JSON.
        if not value.startswith("["):
            return [t.strip() for t in value.replace(",", ";").split(";") if t.strip()]
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            errors[name] = "not a JSON list"
            return None
    if isinstance(field, models.JSONField):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            errors[name] = "not valid JSON"
            return None
        if not isinstance(parsed, dict):
            errors[name] = "must be a JSON object"
            return None
        return parsed
    return value
