"""Connectivity: online/offline from the status topic (and the device's will), and silence.

A device going offline, by its own word, its will, or silence past `DEVICE_OFFLINE_AFTER_S`,
gets an open `offline` fault; coming back clears it. Each change goes out as `device.status`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cityplatform.live import live_publish
from devices.choices import FaultType, LifecycleStatus
from devices.live import DeviceStatus
from devices.models import Asset, AssetState, Fault
from devices.services.faults import fault_clear, fault_raise


@dataclass(frozen=True)
class StatusChange:
    asset_pk: int
    online: bool


def _publish_status(asset: Asset, online: bool | None, last_seen_at: datetime | None) -> None:
    topics = [f"device:{asset.device_id}"]
    if asset.zone_id:
        topics.append(f"zone:{asset.zone_id}")
    live_publish(
        kind="device.status",
        data=DeviceStatus(
            device_id=asset.device_id,
            kind=asset.kind,
            online=online,
            last_seen_at=last_seen_at,
            zone_id=asset.zone_id,
        ),
        topics=topics,
    )


def status_apply(*, changes: Iterable[StatusChange], now: datetime | None = None) -> int:
    """Applies online/offline reports (the last one per asset wins); returns how many changed."""
    now = now or timezone.now()
    last: dict[int, bool] = {}
    for change in changes:
        last[change.asset_pk] = change.online
    if not last:
        return 0
    changed = 0
    with transaction.atomic():
        AssetState.objects.bulk_create(
            [AssetState(asset_id=pk) for pk in last], ignore_conflicts=True
        )
        states = AssetState.objects.select_for_update().filter(pk__in=last).select_related("asset")
        for state in states:
            online = last[state.pk]
            was = state.online
            state.online = online
            if online:
                state.last_seen_at = now
            state.save(update_fields=["online", "last_seen_at", "updated_at"])
            if was == online:
                continue
            changed += 1
            if online:
                fault_clear(asset=state.asset, type=FaultType.OFFLINE, at=now, actor="gateway")
            else:
                fault_raise(
                    asset=state.asset,
                    type=FaultType.OFFLINE,
                    at=now,
                    details={"reason": "the device reported offline"},
                    actor="gateway",
                )
            _publish_status(state.asset, online, state.last_seen_at)
    return changed


def offline_faults_clear(*, asset_pks: list[int], at: datetime) -> None:
    """Clears the offline fault of assets heard from again (telemetry implies online)."""
    open_faults = Fault.objects.filter(
        asset_id__in=asset_pks, type=FaultType.OFFLINE, cleared_at__isnull=True
    ).select_related("asset")
    for fault in open_faults:
        fault_clear(asset=fault.asset, type=FaultType.OFFLINE, at=at, actor="gateway")
        _publish_status(fault.asset, True, at)


def devices_mark_silent_offline(
    *, now: datetime | None = None, silent_after: timedelta | None = None
) -> int:
    """Marks offline every online device not heard from for `DEVICE_OFFLINE_AFTER_S`."""
    now = now or timezone.now()
    silent_after = silent_after or timedelta(seconds=settings.DEVICE_OFFLINE_AFTER_S)
    cutoff = now - silent_after
    with transaction.atomic():
        silent = list(
            AssetState.objects.select_for_update(skip_locked=True)
            .filter(online=True, last_seen_at__lt=cutoff)
            .exclude(asset__status=LifecycleStatus.DECOMMISSIONED)
            .select_related("asset")[:5000]
        )
        for state in silent:
            state.online = False
            state.save(update_fields=["online", "updated_at"])
            fault_raise(
                asset=state.asset,
                type=FaultType.OFFLINE,
                at=now,
                details={"reason": "silent", "last_seen_at": state.last_seen_at.isoformat()},
                actor="gateway",
            )
            _publish_status(state.asset, False, state.last_seen_at)
    return len(silent)
