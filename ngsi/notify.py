"""From a stored batch to the subscriptions it concerns (ETSI GS CIM 009 §5.8: notification on
change of a watched attribute of a matching entity).

The gateway's storing transaction calls `state_sink` (a devices state sink, registered in
NgsiConfig.ready()) with the asset pks it changed. The sink costs the gateway one dictionary
look-up per batch while nobody subscribes: "is any subscription active?" is cached in the
process for `ACTIVE_CACHE_S` (and in Redis, cleared on every subscription write); when one
is, a Celery task with the changed pks is queued on commit. The task (`ngsi.tasks.notify_changes`)
reads the entities in one query per kind, picks the subscriptions whose entities, watched
attributes and `q` match, and hands them to delivery (ngsi/delivery.py). Never a web request.
"""

import logging
import re
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityplatform.celery import app as celery_app
from devices.choices import AssetKind
from devices.selectors.ngsi import ngsi_asset_base, ngsi_asset_columns, ngsi_kinds_of
from ngsi import entities
from ngsi.models import Subscription
from ngsi.query import Query, _terms, matches

log = logging.getLogger(__name__)

CACHE_KEY = "ngsi:subscriptions:active"
ACTIVE_CACHE_S = 2.0  # how long a process trusts its "is any subscription active?"
# The platform's change → the NGSI-LD attributes it changes (watchedAttributes).
CHANGED_ATTRS = {
    "level": {"illuminanceLevel", "powerState"},
    "online": {"powerState", "deviceState", "dateLastValueReported"},
}
KIND_TYPES = {
    AssetKind.STREETLIGHT: "Streetlight",
    AssetKind.CONTROLLER: "StreetlightControlCabinet",
    AssetKind.CAMERA: "Device",
    AssetKind.SENSOR: "Device",
}
_memo = {"until": 0.0, "active": False}


def live_subscriptions():
    now = timezone.now()
    return Subscription.objects.filter(is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def any_active() -> bool:
    """Whether any subscription is active: the process's memo, else Redis, else the database."""
    now = time.monotonic()
    if now < _memo["until"]:
        return _memo["active"]
    active = cache.get(CACHE_KEY)
    if active is None:
        active = live_subscriptions().exists()
        cache.set(CACHE_KEY, active, 60)
    _memo.update(until=now + ACTIVE_CACHE_S, active=active)
    return active


def subscriptions_changed() -> None:
    """After a subscription write: every process asks the database again (this one at once)."""
    cache.delete(CACHE_KEY)
    _memo["until"] = 0.0


def state_sink(changes: dict[int, set[str]]) -> None:
    """Inside the storing transaction: queues the notification task on commit, if anyone
    subscribes."""
    if not changes or not any_active():
        return
    payload = {str(pk): sorted(what) for pk, what in changes.items()}

    def queue() -> None:
        celery_app.tasks["ngsi.tasks.notify_changes"].delay(payload)

    transaction.on_commit(queue, robust=True)


def entities_of(asset_pks: list[int]) -> dict[int, dict]:
    """asset pk → its entity (keyValues), one query per kind."""
    out = {}
    for kind, pks in ngsi_kinds_of(asset_pks=asset_pks).items():
        entity_type = KIND_TYPES.get(kind)
        if entity_type is None:
            continue
        build = entities.BUILDERS[entity_type]
        columns = ("pk", *ngsi_asset_columns(entities.TYPE_KINDS[entity_type]))
        base = ngsi_asset_base(kind=entities.TYPE_KINDS[entity_type], asset_pks=pks)
        for row in base.values(*columns):
            out[row["pk"]] = build(row)
    return out


def _selects(sub: Subscription, entity: dict) -> bool:
    if not sub.entities:
        return True
    for item in sub.entities:
        if item["type"] != entity["type"]:
            continue
        if "id" in item and item["id"] != entity["id"]:
            continue
        if "idPattern" in item and not re.match(item["idPattern"], entity["id"]):
            continue
        return True
    return False


def q_matches(sub: Subscription, entity: dict) -> bool:
    if not sub.q:
        return True
    query = Query([], None, None, _terms(sub.q), None, None, 0, 0)
    return matches(query, entity)


def concerned(sub: Subscription, entity: dict, changed: set[str]) -> bool:
    """Whether this change of this entity is one the subscription is notified of."""
    if not _selects(sub, entity):
        return False
    if sub.watched_attributes:
        touched = set().union(*(CHANGED_ATTRS.get(c, set()) for c in changed))
        if not touched & set(sub.watched_attributes):
            return False
    return q_matches(sub, entity)


def notifications_plan(changes: dict[str, list[str]]) -> dict[str, list[int]]:
    """subscription id → the asset pks of its notification, for a batch's changes."""
    subs = list(live_subscriptions())
    if not subs:
        return {}
    built = entities_of([int(pk) for pk in changes])
    plan: dict[str, list[int]] = {}
    for pk, entity in built.items():
        changed = set(changes.get(str(pk), ()))
        for sub in subs:
            if concerned(sub, entity, changed):
                plan.setdefault(sub.id, []).append(pk)
    return plan
