"""TALQ log reports (`POST /log-reports`) into telemetry, faults and rejected messages.

- AttributeLogData of a known metric (mapping.METRICS: a lamp's level, power, energy, a
  photocell's or light sensor's lux…) become telemetry samples, one per device and instant,
  through the telemetry store the MQTT gateway uses (`ingest_store`).
- EventLogData of a lamp fault (mapping.FAULT_EVENTS) raise the fault (`startEndFlag` true or
  absent) or clear it (false), in the order of their timestamps.
- An entry naming a device this gateway has not registered is kept as a rejected message
  (reason `unknown_device`); attributes and events the platform has no use for are counted.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from devices.choices import RejectReason
from devices.models import Asset
from devices.protocols.talq.mapping import (
    FAULT_EVENTS,
    attribute_number,
    device_id_for,
    metric_for,
    source_of,
)
from devices.services.faults import fault_clear, fault_raise
from devices.services.ingest import IngestBatch, ingest_store
from devices.services.talq.gateways import gateway_seen
from devices.wire import Rejected
from devices.wire import Telemetry as Sample

_PAYLOAD_LIMIT = 4096


@dataclass
class LogReportResult:
    values: int = 0  # attribute values stored as telemetry
    samples: int = 0  # telemetry rows (a device's values of one instant are one row)
    duplicates: int = 0
    faults_raised: int = 0
    faults_cleared: int = 0
    rejected: int = 0
    ignored: int = 0  # attributes and events the platform keeps no record of


def _when(*candidates: Any, default: datetime) -> datetime:
    for value in candidates:
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return default


def _known_devices(gateway: Asset, device_ids: set[str]) -> dict[str, tuple[int, dict[str, str]]]:
    """device id → (asset pk, function id → function type) of this gateway's devices."""
    rows = Asset.objects.filter(
        device_id__in=device_ids, attributes__talq__gateway=gateway.device_id
    ).values_list("device_id", "pk", "attributes__talq__functions")
    return {
        device_id: (pk, {f.get("id"): f.get("type") for f in functions or []})
        for device_id, pk, functions in rows
    }


def talq_log_report_store(
    *, gateway: Asset, report: dict[str, Any], now: datetime | None = None
) -> LogReportResult:
    now = now or timezone.now()
    result = LogReportResult()
    topic = f"talq/{gateway.device_id}/log-reports"
    entries = [e.get("data") or {} for e in report.get("entries") or []]
    sources = {id(data): source_of(data.get("srcAddress", "")) for data in entries}
    wanted = {device_id_for(s.device_address) for s in sources.values() if s is not None}
    known = _known_devices(gateway, wanted)
    values: dict[tuple[int, datetime], dict[str, float]] = defaultdict(dict)
    device_of: dict[int, str] = {}
    events: list[tuple[datetime, int, str, bool, dict[str, Any]]] = []
    rejected: list[Rejected] = []
    for data in entries:
        source = sources[id(data)]
        device_id = device_id_for(source.device_address) if source else ""
        if device_id not in known:
            rejected.append(
                Rejected(
                    topic=topic,
                    device_id=device_id,
                    payload=json.dumps(data)[:_PAYLOAD_LIMIT],
                    reason_code=RejectReason.UNKNOWN_DEVICE,
                    reason=f"srcAddress {data.get('srcAddress')!r} is no device this gateway "
                    "registered (POST /devices first).",
                )
            )
            continue
        pk, functions = known[device_id]
        device_of[pk] = device_id
        function_type = functions.get(source.function_id) if source.function_id else None
        kind = data.get("type")
        if kind == "AttributeLogData":
            attribute = data.get("attributeValue") or {}
            metric = metric_for(function_type, data.get("attributeName", ""))
            number = attribute_number(attribute)
            if metric is None or number is None:
                result.ignored += 1
                continue
            ts = _when(attribute.get("timestamp"), data.get("timestamp"), default=now)
            values[(pk, ts)][metric[0]] = number * metric[1]
            result.values += 1
        elif kind == "EventLogData" and data.get("eventType") in FAULT_EVENTS:
            ts = _when(data.get("timestamp"), default=now)
            start = data.get("startEndFlag") is not False
            info = {"talq_event": data["eventType"], "src": data.get("srcAddress")}
            events.append((ts, pk, data["eventType"], start, info))
        else:
            result.ignored += 1
    samples = [
        (pk, Sample(device_id=device_of[pk], ts=ts, **metrics))
        for (pk, ts), metrics in values.items()
    ]
    with transaction.atomic():
        stored = ingest_store(batch=IngestBatch(samples=samples, rejected=rejected), now=now)
        result.samples, result.duplicates = stored.stored_samples, stored.duplicate_samples
        result.rejected = stored.rejected
        assets = {a.pk: a for a in Asset.objects.filter(pk__in={e[1] for e in events})}
        actor = f"device:{gateway.device_id}"
        for ts, pk, event, start, info in sorted(events, key=lambda e: e[0]):
            if start:
                _, created = fault_raise(
                    asset=assets[pk], type=FAULT_EVENTS[event], at=ts, details=info, actor=actor
                )
                result.faults_raised += created
            elif fault_clear(asset=assets[pk], type=FAULT_EVENTS[event], at=ts, actor=actor):
                result.faults_cleared += 1
        gateway_seen(gateway=gateway, now=now)
    return result
