"""Events in: every path (gateway MQTT and Frigate, the VMS webhook, sensors) ends here.

`events_ingest` is registered as the devices event sink (CctvConfig.ready) and runs inside the
gateway's storing transaction: it stores each event once per (device, event id) with a bulk
insert that ignores conflicts, folds Frigate `update`/`end` messages into their event, applies
the privacy guard (identity fields stripped again defensively, each stripping audited; types
outside the camera's allowlist stored as rejected), and after the commit schedules the alarm
rules on the `alerts` queue and tells the pages.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cctv.choices import (
    TECHNICAL_EVENT_TYPES,
    EventRejectReason,
    EventStatus,
)
from cctv.models import Event
from cctv.tasks import event_evaluate as event_evaluate_task
from cityplatform.services import audit_record
from devices.events import IDENTITY_EVENT_TYPES, DeviceEvent, strip_identity
from devices.selectors.cameras import CameraInfo, asset_ids_by_device_id, cameras_info

log = logging.getLogger(__name__)

SNAPSHOT_KEYS = ("snapshot_ref", "snapshot_url", "snapshot")


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    duplicates: int = 0
    unknown_devices: list[str] = field(default_factory=list)


def _status(info: CameraInfo, event_type: str) -> tuple[str, str]:
    """The privacy guard's verdict on an event type for this device."""
    if event_type.lower() in IDENTITY_EVENT_TYPES:
        return EventStatus.REJECTED, EventRejectReason.BIOMETRIC
    if not info.is_camera or event_type in TECHNICAL_EVENT_TYPES:
        return EventStatus.ACCEPTED, ""
    if not info.analytics_allowlist:
        return EventStatus.REJECTED, EventRejectReason.NO_ALLOWLIST
    if event_type not in info.analytics_allowlist:
        return EventStatus.REJECTED, EventRejectReason.NOT_ALLOWED
    return EventStatus.ACCEPTED, ""


def _clean_attributes(item: DeviceEvent) -> tuple[dict, list[str], str]:
    attributes, removed = strip_identity(dict(item.attributes or {}), "attributes")
    snapshot = ""
    for key in SNAPSHOT_KEYS:
        value = attributes.pop(key, None)
        if value and not snapshot:
            snapshot = str(value)[:500]
    return attributes, [*item.stripped, *removed], snapshot


def _new_event(item: DeviceEvent, pk: int, info: CameraInfo, now: datetime) -> Event:
    attributes, stripped, snapshot = _clean_attributes(item)
    status, reason = _status(info, item.type)
    return Event(
        device_id=pk,
        event_id=item.event_id[:128],
        source=item.source[:80],
        ts=item.ts,
        end_ts=item.end_ts or (item.ts if item.phase == "end" else None),
        type=item.type[:64],
        confidence=item.confidence,
        count=item.count,
        zone_id=info.zone_id,
        zones=list(item.zones),
        attributes=attributes,
        snapshot_ref=snapshot,
        status=status,
        reject_reason=reason,
        stripped=sorted(set(stripped)),
        received_at=now,
        updated_at=now,
    )


def _fold(event: Event, item: DeviceEvent, now: datetime) -> None:
    """Folds a Frigate update (or end) into the event it belongs to."""
    attributes, stripped, snapshot = _clean_attributes(item)
    if item.confidence is not None:
        event.confidence = max(event.confidence or 0.0, item.confidence)
    if item.count is not None:
        event.count = item.count
    event.zones = list(dict.fromkeys([*event.zones, *item.zones]))
    event.attributes = {**event.attributes, **attributes}
    event.snapshot_ref = snapshot or event.snapshot_ref
    event.stripped = sorted({*event.stripped, *stripped})
    if item.phase == "end":
        event.end_ts = item.end_ts or item.ts
    event.updates += 1
    event.updated_at = now


def events_ingest(events: Sequence[DeviceEvent], *, now: datetime | None = None) -> IngestResult:
    """Stores a batch of events once each; see the module's docstring."""
    result = IngestResult()
    if not events:
        return result
    now = now or timezone.now()
    pks = asset_ids_by_device_id(device_ids=[e.device_id for e in events])
    infos = cameras_info(asset_ids=pks.values())
    known = [e for e in events if e.device_id in pks]
    result.unknown_devices = sorted({e.device_id for e in events if e.device_id not in pks})
    if result.unknown_devices:
        log.warning("events of unknown devices ignored: %s", result.unknown_devices)
    if not known:
        return result

    with transaction.atomic():
        known = _resolve_series(known, pks)
        keys = {(pks[e.device_id], e.event_id[:128]) for e in known}
        existing = {
            key: event
            for event in _events_by_keys(keys)
            if (key := (event.device_id, event.event_id)) in keys
        }
        new: dict[tuple[int, str], Event] = {}
        changed: dict[tuple[int, str], Event] = {}
        for item in known:
            pk = pks[item.device_id]
            key = (pk, item.event_id[:128])
            if key in existing:
                if item.phase in ("update", "end"):
                    _fold(existing[key], item, now)
                    changed[key] = existing[key]
                else:
                    result.duplicates += 1
            elif key in new:
                if item.phase in ("update", "end"):
                    _fold(new[key], item, now)
                else:
                    result.duplicates += 1
            else:
                new[key] = _new_event(item, pk, infos[pk], now)
        if new:
            Event.objects.bulk_create(new.values(), ignore_conflicts=True, batch_size=1000)
            stored = {
                (e.device_id, e.event_id): e
                for e in _events_by_keys(new.keys()).filter(received_at=now)
            }
            created = [stored[key] for key in new if key in stored]
            result.duplicates += len(new) - len(created)
            result.created = [e.pk for e in created]
        else:
            created = []
        if changed:
            Event.objects.bulk_update(
                changed.values(),
                [
                    "confidence",
                    "count",
                    "zones",
                    "attributes",
                    "snapshot_ref",
                    "stripped",
                    "end_ts",
                    "updates",
                    "updated_at",
                ],
            )
            result.updated = [e.pk for e in changed.values()]
        _audit_strippings(known, pks)
        _after_commit(created, list(changed.values()), infos)
    return result


def _resolve_series(items: Sequence[DeviceEvent], pks: dict[str, int]) -> list[DeviceEvent]:
    """State series (ONVIF State true → false): a "new" while the series has an open event
    folds into it, an "end" closes the open event and, with none open, is dropped: a state
    going false never raises an event of its own."""
    if not any(item.series for item in items):
        return list(items)
    resolved: list[DeviceEvent] = []
    open_ids: dict[tuple[int, str], str | None] = {}
    for item in items:
        if not item.series:
            resolved.append(item)
            continue
        key = (pks[item.device_id], item.series)
        if key not in open_ids:
            open_ids[key] = (
                Event.objects.filter(
                    device_id=key[0], event_id__startswith=f"{item.series}@", end_ts__isnull=True
                )
                .order_by("-ts")
                .values_list("event_id", flat=True)
                .first()
            )
        open_id = open_ids[key]
        if item.phase == "end":
            if open_id is not None:
                resolved.append(replace(item, event_id=open_id))
            open_ids[key] = None
        elif open_id is not None:
            resolved.append(replace(item, event_id=open_id, phase="update"))
        else:
            resolved.append(item)
            open_ids[key] = item.event_id
    return resolved


def _events_by_keys(keys):
    """Events whose (device, event id) may be among `keys` (a superset: filter by key after)."""
    keys = list(keys)
    return Event.objects.filter(
        device_id__in={k[0] for k in keys}, event_id__in={k[1] for k in keys}
    )


def _audit_strippings(items: Sequence[DeviceEvent], pks: dict[str, int]) -> None:
    for item in items:
        _, removed = strip_identity(dict(item.attributes or {}), "attributes")
        paths = sorted({*item.stripped, *removed})
        if not paths:
            continue
        audit_record(
            actor=item.source,
            action="cctv.identity_stripped",
            target_type="cctv.event",
            target_id=f"{item.device_id}/{item.event_id}"[:100],
            details={"fields": paths, "source": item.source, "type": item.type},
        )


def _after_commit(created: list[Event], changed: list[Event], infos: dict[int, CameraInfo]):
    """One task per batch on the `alerts` queue: the rules, then the pages' `event.received`
    (`cctv.services.announce`, published by the worker, so the gateway's loop never waits on
    the live layer)."""
    accepted = [e.pk for e in (*created, *changed) if e.status == EventStatus.ACCEPTED]
    announce = [e.pk for e in created]
    if accepted or announce:
        # robust: a broker that is down must not break the gateway after its commit; the
        # periodic catch-up (event_evaluate_pending) evaluates what was missed.
        transaction.on_commit(lambda: event_evaluate_task.delay(accepted, announce), robust=True)
