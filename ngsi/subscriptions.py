"""NGSI-LD subscriptions (ETSI GS CIM 009 §5.2.12, §5.8): the request body read into the model's
fields with a reason in words for every bad input, the model rendered back in the standard's
shape, and the audited writes (create, update, delete).

A subscriber sees and deletes only their own subscriptions; an administrator sees all."""

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cityplatform.roles import Role
from cityplatform.services import audit_record
from ngsi import entities
from ngsi.models import NotificationFormat, Subscription
from ngsi.notify import subscriptions_changed
from ngsi.query import NgsiError, _terms, bad, id_pattern_compile

PREFIX = "urn:ngsi-ld:Subscription:"
ACCEPTS = ("application/json", "application/ld+json")
FIELDS = {
    "id",
    "type",
    "name",
    "description",
    "entities",
    "watchedAttributes",
    "q",
    "notification",
    "throttling",
    "expiresAt",
    "isActive",
    "@context",
}
MAX_THROTTLING_S = 86_400
MAX_PER_USER = 100


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _names(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad(f"{what} must be a list of attribute names.")
    if len(value) > 50:
        raise bad(f"{what} names at most 50 attributes.")
    return value


def _entities(value) -> list[dict]:
    if not isinstance(value, list) or not value or len(value) > 50:
        raise bad("entities must be a list of 1 to 50 {type, id?, idPattern?} objects.")
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"type", "id", "idPattern"}:
            raise bad("each entities item is an object with type, and id or idPattern.")
        if item.get("type") not in entities.TYPES:
            raise bad(f"entities type must be one of {', '.join(entities.TYPES)}.")
        if "id" in item and (
            not isinstance(item["id"], str)
            or not item["id"].startswith(entities.urn(item["type"], ""))
        ):
            raise bad(f"entities id {item.get('id')!r} is not a {item['type']} id.")
        if "idPattern" in item:
            id_pattern_compile(item["idPattern"])
        out.append(item)
    return out


def _endpoint(notification) -> tuple[str, str]:
    if not isinstance(notification, dict) or not isinstance(notification.get("endpoint"), dict):
        raise bad("notification.endpoint {uri, accept} is required.")
    uri = notification["endpoint"].get("uri")
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad("notification.endpoint.uri must be an http:// or https:// URL.")
    if len(uri) > 1000:
        raise bad("notification.endpoint.uri is longer than 1000 characters.")
    accept = notification["endpoint"].get("accept", "application/json")
    if accept not in ACCEPTS:
        raise bad(f"notification.endpoint.accept must be one of {', '.join(ACCEPTS)}.")
    return uri, accept


def read_body(body, *, partial: bool = False) -> dict:
    """The model fields a request body sets; NgsiError (400) naming what is wrong."""
    if not isinstance(body, dict):
        raise bad("The body must be a JSON object (a Subscription).")
    unknown = set(body) - FIELDS
    if unknown:
        raise bad(f"Unknown members: {', '.join(sorted(unknown))}.")
    if not partial and body.get("type") != "Subscription":
        raise bad('type must be "Subscription".')
    fields: dict = {}
    for key, field in (("name", "name"), ("description", "description")):
        if key in body:
            if not isinstance(body[key], str) or len(body[key]) > 2000:
                raise bad(f"{key} must be a string.")
            fields[field] = body[key][:200] if key == "name" else body[key]
    if "entities" in body:
        fields["entities"] = _entities(body["entities"])
    if "watchedAttributes" in body:
        fields["watched_attributes"] = _names(body["watchedAttributes"], "watchedAttributes")
    if not partial and not fields.get("entities") and not fields.get("watched_attributes"):
        raise bad("A subscription names entities, watchedAttributes or both.")
    if "q" in body:
        if not isinstance(body["q"], str) or len(body["q"]) > 1000:
            raise bad("q must be a string of at most 1000 characters.")
        _terms(body["q"])  # InvalidRequest when it does not parse
        fields["q"] = body["q"]
    if "notification" in body or not partial:
        notification = body.get("notification")
        fields["endpoint_uri"], fields["endpoint_accept"] = _endpoint(notification)
        if "attributes" in notification:
            fields["attributes"] = _names(notification["attributes"], "notification.attributes")
        form = notification.get("format", NotificationFormat.NORMALIZED)
        if form not in NotificationFormat.values:
            raise bad("notification.format must be keyValues or normalized.")
        fields["format"] = form
    if "throttling" in body:
        value = body["throttling"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("throttling must be a number of seconds.")
        if not 0 < value <= MAX_THROTTLING_S:
            raise bad(f"throttling must be more than 0 and at most {MAX_THROTTLING_S} s.")
        fields["throttling"] = round(value) or 1
    if "expiresAt" in body:
        when = parse_datetime(body["expiresAt"]) if isinstance(body["expiresAt"], str) else None
        if when is None or when.tzinfo is None:
            raise bad("expiresAt must be a date and time with its zone (ISO 8601).")
        if when <= timezone.now():
            raise bad("expiresAt is in the past.")
        fields["expires_at"] = when
    if "isActive" in body:
        if not isinstance(body["isActive"], bool):
            raise bad("isActive must be true or false.")
        fields["is_active"] = body["isActive"]
    return fields


def render(sub: Subscription) -> dict:
    expired = sub.expires_at is not None and sub.expires_at <= timezone.now()
    notification = {
        "format": sub.format,
        "endpoint": {"uri": sub.endpoint_uri, "accept": sub.endpoint_accept},
        "timesSent": sub.times_sent,
    }
    if sub.attributes:
        notification["attributes"] = sub.attributes
    if sub.status:
        notification["status"] = sub.status
    for key, value in (
        ("lastNotification", sub.last_notification),
        ("lastSuccess", sub.last_success),
        ("lastFailure", sub.last_failure),
    ):
        if value:
            notification[key] = _iso(value)
    body = {"id": sub.id, "type": "Subscription"}
    for key, value in (
        ("name", sub.name),
        ("description", sub.description),
        ("entities", sub.entities),
        ("watchedAttributes", sub.watched_attributes),
        ("q", sub.q),
    ):
        if value:
            body[key] = value
    body["notification"] = notification
    if sub.throttling:
        body["throttling"] = sub.throttling
    if sub.expires_at:
        body["expiresAt"] = _iso(sub.expires_at)
    body["isActive"] = sub.is_active
    body["status"] = "expired" if expired else ("active" if sub.is_active else "paused")
    return body


def sees_all(user) -> bool:
    return user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR).exists()


def visible(user):
    subs = Subscription.objects.all()
    return subs if sees_all(user) else subs.filter(owner=user)


def subscription_get(*, user, sub_id: str) -> Subscription:
    sub = visible(user).filter(pk=sub_id).first()
    if sub is None:
        raise NgsiError("ResourceNotFound", f"No subscription {sub_id}.", status=404)
    return sub


def subscription_create(*, user, body) -> Subscription:
    fields = read_body(body)
    sub_id = body.get("id") or f"{PREFIX}{uuid.uuid4()}"
    if not isinstance(sub_id, str) or not sub_id.startswith(PREFIX) or len(sub_id) > 100:
        raise bad(f"id must be urn:ngsi-ld:Subscription:<name>, not {sub_id!r}.")
    with transaction.atomic():
        if Subscription.objects.filter(owner=user).count() >= MAX_PER_USER:
            raise bad(f"A user has at most {MAX_PER_USER} subscriptions: delete one first.")
        if Subscription.objects.filter(pk=sub_id).exists():
            raise NgsiError("AlreadyExists", f"Subscription {sub_id} already exists.", 409)
        sub = Subscription.objects.create(id=sub_id, owner=user, **fields)
        audit_record(actor=user, action="ngsi.subscription_created", target=sub, details=_what(sub))
        transaction.on_commit(subscriptions_changed)
    return sub


def subscription_update(*, user, sub_id: str, body) -> Subscription:
    fields = read_body(body, partial=True)
    with transaction.atomic():
        sub = subscription_get(user=user, sub_id=sub_id)
        for name, value in fields.items():
            setattr(sub, name, value)
        sub.save()
        audit_record(
            actor=user,
            action="ngsi.subscription_updated",
            target=sub,
            details={"changed": sorted(fields)},
        )
        transaction.on_commit(subscriptions_changed)
    return sub


def subscription_delete(*, user, sub_id: str) -> None:
    with transaction.atomic():
        sub = subscription_get(user=user, sub_id=sub_id)
        details = _what(sub)
        sub.delete()
        audit_record(
            actor=user,
            action="ngsi.subscription_deleted",
            target_type="ngsi_subscription",
            target_id=sub_id[-64:],
            details=details,
        )
        transaction.on_commit(subscriptions_changed)


def _what(sub: Subscription) -> dict:
    return {
        "endpoint": urlsplit(sub.endpoint_uri).hostname,
        "types": [e["type"] for e in sub.entities],
    }
