"""Aggregate reads of the registry and the devices' state, for overview pages and reports:
assets per kind by connectivity, open faults, zones, per-zone light levels."""

from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Max, Q

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
    """(pk, label) of every zone, by name: its name, and where two zones share a name, its
    parent's too, so that people can tell them apart ("Castle (Westgate)")."""
    labels = zone_labels()
    return [(pk, labels[pk]) for pk in Zone.objects.order_by("name").values_list("pk", flat=True)]


def zone_labels() -> dict[int, str]:
    """Each zone's name for people: a name shared by two zones is followed by its parent's
    (or "top level"), e.g. "Castle (Westgate)"."""
    rows = list(Zone.objects.values_list("pk", "name", "parent__name"))
    count = Counter(name for _pk, name, _parent in rows)
    return {
        pk: f"{name} ({parent or 'top level'})" if count[name] > 1 else name
        for pk, name, parent in rows
    }


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
    labels = zone_labels()
    return [{**row, "name": labels.get(row["pk"], row["name"])} for row in rows]


def controllers_seen_by_lamps(controller_ids) -> dict[int, dict[str, Any]]:
    """For controllers (OPC-UA cabinets, whose own state the gateway does not keep), what their
    lamps say: `online` (True when a lamp is, False when lamps were heard from but none is now,
    None when none ever was) and `last_seen_at` (the latest of their lamps')."""
    rows = (
        Asset.objects.filter(
            kind=AssetKind.STREETLIGHT, streetlight__controller_id__in=list(controller_ids)
        )
        .values("streetlight__controller_id")
        .annotate(
            last_seen_at=Max("state__last_seen_at"),
            up=Count("pk", filter=Q(state__online=True)),
            heard=Count("pk", filter=Q(state__online__isnull=False)),
        )
    )
    return {
        row["streetlight__controller_id"]: {
            "online": True if row["up"] else (False if row["heard"] else None),
            "last_seen_at": row["last_seen_at"],
        }
        for row in rows
    }
