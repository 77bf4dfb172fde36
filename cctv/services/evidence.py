"""Evidence export and verification (NPCC guidance: native format, SHA-256 per file, a
manifest, an exhibit reference, who exported it and why), and the disclosure log (ICO).

A package is a ZIP: `records/*.json` (the alarm with its timeline, the events) and
`manifest.json` naming every other file with its SHA-256 and size, the exhibit reference, who
exported it, when, why and for whom. `evidence_verify` (and `manage.py verify_evidence`) checks
a package against its manifest: one changed byte anywhere makes it fail.
"""

import hashlib
import io
import json
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, transaction
from django.utils import timezone

from cctv.models import Alarm, Disclosure, Event, EvidenceExport
from cityplatform.api import ApplicationError
from cityplatform.services import audit_record

MANIFEST = "manifest.json"
MAX_EVENTS = 50_000
EVENT_FIELDS = (
    "id",
    "event_id",
    "source",
    "ts",
    "end_ts",
    "type",
    "confidence",
    "count",
    "zone_id",
    "zones",
    "attributes",
    "snapshot_ref",
    "status",
    "reject_reason",
    "stripped",
    "updates",
    "received_at",
)


def evidence_dir() -> Path:
    path = Path(settings.CCTV_EVIDENCE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _event_record(event: Event) -> dict[str, Any]:
    record = {name: getattr(event, name) for name in EVENT_FIELDS}
    record["device_id"] = event.device.device_id
    return record


def _alarm_record(alarm: Alarm) -> dict[str, Any]:
    return {
        "id": alarm.pk,
        "title": alarm.title,
        "category": alarm.category,
        "priority": alarm.priority,
        "state": alarm.state,
        "resolution": alarm.resolution,
        "camera": alarm.camera.device_id if alarm.camera_id else None,
        "zone_id": alarm.zone_id,
        "rule": alarm.rule.name if alarm.rule else None,
        "raised_at": alarm.raised_at,
        "last_event_at": alarm.last_event_at,
        "acknowledged": {"at": alarm.acknowledged_at, "by": alarm.acknowledged_by},
        "held": {"at": alarm.held_at, "by": alarm.held_by},
        "closed": {"at": alarm.closed_at, "by": alarm.closed_by},
        "assignee": alarm.assignee.get_username() if alarm.assignee else None,
        "lighting": alarm.lighting,
        "timeline": [
            {
                "at": entry.at,
                "action": entry.action,
                "by": entry.actor_label,
                "text": entry.text,
                "details": entry.details,
            }
            for entry in alarm.log.all()
        ],
    }


def _exhibit_ref(now: datetime) -> str:
    return f"CCTV-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def evidence_export(
    *,
    actor: AbstractBaseUser,
    purpose: str,
    requested_by: str,
    alarm: Alarm | None = None,
    camera_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    event_type: str = "",
) -> EvidenceExport:
    """Builds the package of an alarm, or of a camera's events in a time window."""
    fields: dict[str, list[str]] = {}
    if not (purpose or "").strip():
        fields["purpose"] = ["Say why the evidence is exported."]
    if not (requested_by or "").strip():
        fields["requested_by"] = ["Say for whom (name and organisation)."]
    if alarm is None and (start is None or end is None or start >= end):
        fields["start"] = ["Export an alarm, or a window with a start before its end."]
    if fields:
        raise ApplicationError("Invalid export.", extra={"fields": fields})
    now = timezone.now()
    files: dict[str, bytes] = {}
    if alarm is not None:
        events = alarm.events.select_related("device").order_by("ts", "id")
        files["records/alarm.json"] = _json(_alarm_record(alarm))
        scope = {"alarm": alarm.pk}
    else:
        events = Event.objects.select_related("device").filter(ts__gte=start, ts__lt=end)
        if camera_id is not None:
            events = events.filter(device_id=camera_id)
        if event_type:
            events = events.filter(type=event_type)
        events = events.order_by("ts", "id")
        scope = {
            "camera_id": camera_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "type": event_type or None,
        }
    records = [_event_record(e) for e in events[: MAX_EVENTS + 1]]
    if len(records) > MAX_EVENTS:
        raise ApplicationError(
            f"More than {MAX_EVENTS} events: narrow the window.",
            extra={"fields": {"end": ["too many events"]}},
        )
    files["records/events.json"] = _json(records)
    exhibit = _exhibit_ref(now)
    manifest = {
        "exhibit_ref": exhibit,
        "created_at": now.isoformat(),
        "exported_by": actor.get_username(),
        "purpose": purpose.strip(),
        "requested_by": requested_by.strip(),
        "scope": scope,
        "hash_algorithm": "SHA-256",
        "files": [
            {"name": name, "sha256": _sha256(data), "bytes": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in sorted(files.items()):
            package.writestr(name, data)
        package.writestr(MANIFEST, _json(manifest))
    data = buffer.getvalue()
    path = evidence_dir() / f"{exhibit}.zip"
    path.write_bytes(data)
    export = EvidenceExport(
        exhibit_ref=exhibit,
        alarm=alarm,
        camera_id=camera_id if alarm is None else alarm.camera_id,
        start=start,
        end=end,
        purpose=purpose.strip(),
        requested_by=requested_by.strip(),
        exported_by=actor,
        exported_at=now,
        file=str(path),
        package_sha256=_sha256(data),
        manifest=manifest,
        event_count=len(records),
    )
    export.full_clean()
    export.save()
    audit_record(
        actor=actor,
        action="cctv.evidence_exported",
        target=export,
        details={
            "exhibit_ref": exhibit,
            "purpose": export.purpose,
            "requested_by": export.requested_by,
            "scope": scope,
            "events": len(records),
            "package_sha256": export.package_sha256,
        },
    )
    return export


@transaction.atomic
def disclosure_record(
    *,
    export: EvidenceExport,
    actor: AbstractBaseUser,
    disclosed_on: date,
    recipient: str,
    organisation: str,
    reason: str,
    method: str = "",
) -> Disclosure:
    disclosure = Disclosure(
        export=export,
        disclosed_on=disclosed_on,
        recipient=(recipient or "").strip(),
        organisation=(organisation or "").strip(),
        reason=(reason or "").strip(),
        method=(method or "").strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    disclosure.full_clean()
    disclosure.save()
    audit_record(
        actor=actor,
        action="cctv.evidence_disclosed",
        target=disclosure,
        details={
            "exhibit_ref": export.exhibit_ref,
            "disclosed_on": disclosed_on.isoformat(),
            "recipient": disclosure.recipient,
            "organisation": disclosure.organisation,
            "reason": disclosure.reason,
            "method": disclosure.method,
        },
    )
    return disclosure


@dataclass
class Verification:
    ok: bool
    exhibit_ref: str = ""
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def evidence_verify(*, package: Path | str | bytes) -> Verification:
    """Checks every file of a package against its manifest's SHA-256 (and nothing unlisted)."""
    result = Verification(ok=False)
    source = io.BytesIO(package) if isinstance(package, bytes) else package
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                result.problems.append("no manifest.json")
                return result
            manifest = json.loads(archive.read(MANIFEST))
            result.exhibit_ref = str(manifest.get("exhibit_ref", ""))
            listed = {entry["name"]: entry for entry in manifest.get("files", [])}
            for name, entry in sorted(listed.items()):
                if name not in names:
                    result.problems.append(f"{name}: missing")
                    continue
                data = archive.read(name)
                if _sha256(data) != entry.get("sha256"):
                    result.problems.append(f"{name}: SHA-256 does not match the manifest")
                elif entry.get("bytes") is not None and len(data) != entry["bytes"]:
                    result.problems.append(f"{name}: size does not match the manifest")
                else:
                    result.checked.append(name)
            for name in sorted(names - set(listed) - {MANIFEST}):
                result.problems.append(f"{name}: not in the manifest")
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        ValueError,
        KeyError,
        OSError,
    ) as error:
        result.problems.append(f"unreadable package: {error}")
        return result
    # The register keeps the SHA-256 of the whole package: a byte changed anywhere, even outside
    # the listed files, shows.
    try:
        registered = EvidenceExport.objects.filter(exhibit_ref=result.exhibit_ref).first()
    except DatabaseError:  # verifying away from the platform: the manifest alone
        registered = None
    if registered is not None:
        data = package if isinstance(package, bytes) else Path(package).read_bytes()
        if _sha256(data) != registered.package_sha256:
            result.problems.append("the package differs from the one registered at export")
    result.ok = not result.problems and bool(result.checked)
    return result
