"""The level of a light at any past instant, read from the level-change log (`LevelChange`).

The level at `at` is the last change at or before it: one probe of the (asset, at) unique index
per light. The bulk form asks for many lights in one query (a correlated subquery with LIMIT 1,
which PostgreSQL runs as one index probe per light).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Subquery

from devices.models import Asset, LevelChange


def level_at(*, asset_id: int, at: datetime) -> float | None:
    """The reported level of light `asset_id` at instant `at`; None when nothing is known."""
    return (
        LevelChange.objects.filter(asset_id=asset_id, at__lte=at)
        .order_by("-at")
        .values_list("level", flat=True)
        .first()
    )


def levels_at(*, asset_ids: Iterable[int], at: datetime) -> dict[int, float | None]:
    """asset id → level at `at` (None when unknown) for many lights, in one query."""
    ids = list(dict.fromkeys(asset_ids))
    if not ids:
        return {}
    last = (
        LevelChange.objects.filter(asset_id=OuterRef("pk"), at__lte=at)
        .order_by("-at")
        .values("level")[:1]
    )
    found = dict(
        Asset.objects.filter(pk__in=ids)
        .annotate(level_then=Subquery(last))
        .values_list("pk", "level_then")
    )
    return {asset_id: found.get(asset_id) for asset_id in ids}
