"""Aggregate reads of the registry and the devices' state, for overview pages and reports:
assets per kind by connectivity, open faults, zones, per-zone light levels."""

from typing import Any

from django.db.models import Avg, Count, Q

from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, Fault, Zone


def asset_counts_by_kind() -> dict[str, dict[str, int]]:
    """kind → {"total", "online", "offline"} of the assets not decommissioned (kinds without
    assets are absent; never heard from is neither online nor offline)."""
    rows = (
        Asset.objects.exclude(status=LifecycleStatus.DECOMMISSIONED)
        .values("kind")
        .annotate(
            total=Count("pk"),
            online=Count("pk", filter=Q(state__online=True)),
            offline=Count("pk", filter=Q(state__online=False)),
        )
    )
    return {
        row["kind"]: {"total": row["total"], "online": row["online"], "offline": row["offline"]}
        for row in rows
    }


def faults_open_count() -> int:
    return Fault.objects.filter(cleared_at__isnull=True).count()


def zones_count() -> int:
    return Zone.objects.count()


def zones_by_name() -> list[tuple[int, str]]:
    """(pk, name) of every zone, by name."""
    return list(Zone.objects.order_by("name").values_list("pk", "name"))


def zone_light_levels() -> list[dict[str, Any]]:
    """Per zone (by name): how many lights, how many online, the mean reported and desired
    levels."""
    rows = (
        Zone.objects.annotate(
            lights=Count("assets", filter=Q(assets__kind=AssetKind.STREETLIGHT)),
            online=Count(
                "assets",
                filter=Q(assets__kind=AssetKind.STREETLIGHT, assets__state__online=True),
            ),
            level=Avg("assets__state__level", filter=Q(assets__kind=AssetKind.STREETLIGHT)),
            desired=Avg(
                "assets__state__desired_level", filter=Q(assets__kind=AssetKind.STREETLIGHT)
            ),
        )
        .order_by("name")
        .values(
            "pk",
            "name",
            "kind",
            "lighting_class",
            "min_level",
            "lights",
            "online",
            "level",
            "desired",
        )
    )
    return list(rows)
