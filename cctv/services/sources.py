"""Webhook sources (video management systems), their secrets, and signed event ingestion.

A request carries `X-Source: <source name>`, `X-Timestamp` (epoch seconds or RFC 3339, within
CCTV_WEBHOOK_MAX_SKEW_S, default 300, of the platform's clock) and
`X-Signature: sha256=<hex HMAC-SHA256 with the source's secret>` of `timestamp + "." + body`
(the X-Timestamp header exactly as sent, a dot, the raw body). The older form, an HMAC of the
body alone, is still accepted and deprecated: its timestamp is not signed, so its replay
protection rests on the receipts and on the event's own time (docs/cctv.md, "Replay").

A signature already accepted is a replay and is refused. A source speaks only for the cameras it
is bound to (403 otherwise). Events are stripped of identity fields before anything is stored,
then go through the same ingestion as the gateway's.
"""

import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from rest_framework import status

from cctv.models import EventSource, SourceSecret, WebhookReceipt
from cctv.services.ingest import IngestResult, events_ingest
from cityplatform.api import ApplicationError
from cityplatform.json_input import JsonRefused, json_loads_bounded
from cityplatform.services import Actor, audit_record
from cityplatform.signing import signature_of
from devices.events import DeviceEvent, event_max_future_s, strip_identity
from devices.protocols.messages import device_event
from devices.selectors.cameras import asset_ids_by_device_id, camera_ids_by_device_id
from devices.wire import Event as EventMessage

log = logging.getLogger(__name__)

DEFAULT_ROTATION_GRACE = timedelta(hours=24)
DEVICE_ID = r"^[A-Za-z0-9_.-]{1,64}$"


class SignatureForm(models.TextChoices):
    TIMESTAMPED = "timestamped", "HMAC of timestamp + '.' + body"
    LEGACY_BODY = "legacy_body", "HMAC of the body alone (deprecated)"


def max_skew() -> timedelta:
    return timedelta(seconds=settings.CCTV_WEBHOOK_MAX_SKEW_S)


# --- Sources and secrets (administrators) ----------------------------------------------------


def _new_secret() -> str:
    return secrets.token_hex(32)


def _cameras_named(device_ids: Iterable[str]) -> list[int]:
    """The camera assets of these device ids; 400 naming any that is not a camera."""
    wanted = sorted(set(device_ids))
    found = camera_ids_by_device_id(device_ids=wanted)
    missing = [d for d in wanted if d not in found]
    if missing:
        raise ApplicationError(
            "A source can be bound only to cameras.",
            extra={"fields": {"cameras": [f"not a camera: {d}" for d in missing[:20]]}},
        )
    return [found[d] for d in wanted]


def _bind(source: EventSource, camera_ids: list[int] | None) -> None:
    if camera_ids is not None:
        source.cameras.set(camera_ids)


@transaction.atomic
def source_create(
    *,
    name: str,
    description: str = "",
    cameras: Iterable[str] = (),
    actor: Actor,
) -> tuple[EventSource, str]:
    """A new source, bound to `cameras` (device ids), and its first secret; the secret is shown
    once, here."""
    camera_ids = _cameras_named(cameras)
    source = EventSource(name=name, description=description)
    source.full_clean()
    source.save()
    _bind(source, camera_ids)
    secret = _new_secret()
    SourceSecret.objects.create(
        source=source,
        secret=secret,
        created_at=timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="cctv.source_created",
        target=source,
        details={"cameras": sorted(set(cameras))},
    )
    return source, secret


@transaction.atomic
def source_secret_rotate(
    *, source: EventSource, actor: Actor, grace: timedelta = DEFAULT_ROTATION_GRACE
) -> str:
    """A new secret for the source; the current ones stay valid for `grace` (0: at once)."""
    now = timezone.now()
    until = now + grace
    source.secrets.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=until)).update(
        valid_until=until
    )
    secret = _new_secret()
    SourceSecret.objects.create(
        source=source,
        secret=secret,
        created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="cctv.source_secret_rotated",
        target=source,
        details={"old_valid_until": until.isoformat()},
    )
    return secret


@transaction.atomic
def source_update(
    *,
    source: EventSource,
    actor: Actor,
    active: bool | None = None,
    description=None,
    cameras: Iterable[str] | None = None,
) -> EventSource:
    """Changes a source; `cameras` (device ids), when given, replaces the cameras it is bound to."""
    camera_ids = _cameras_named(cameras) if cameras is not None else None
    if active is not None:
        source.active = active
    if description is not None:
        source.description = description
    source.full_clean()
    source.save()
    _bind(source, camera_ids)
    audit_record(
        actor=actor,
        action="cctv.source_changed",
        target=source,
        details={
            "active": source.active,
            "description": source.description,
            "cameras": sorted(source.cameras.values_list("device_id", flat=True)),
        },
    )
    return source


# --- Signed ingestion -------------------------------------------------------------------------


def _unauthorised(message: str, **extra: Any) -> ApplicationError:
    return ApplicationError(message, extra=extra, status_code=status.HTTP_401_UNAUTHORIZED)


def _parse_timestamp(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):  # not a number, or "inf", "nan", 1e20
        pass
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible, such as month 13
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def webhook_authenticate(
    *, source_name: str, timestamp: str, signature: str, body: bytes, now: datetime | None = None
) -> tuple[EventSource, str, str]:
    """The source whose valid secret signed this request, the signature and its form (a
    SignatureForm); 401 otherwise."""
    now = now or timezone.now()
    name = (source_name or "").strip()
    source = None
    if "\x00" not in name:  # no source has one, and PostgreSQL cannot even compare it
        source = EventSource.objects.filter(name=name, active=True).first()
    if source is None:
        raise _unauthorised("Unknown or inactive source (X-Source).", header="X-Source")
    at = _parse_timestamp(timestamp)
    if at is None:
        raise _unauthorised("X-Timestamp is missing or unreadable.", header="X-Timestamp")
    if abs(now - at) > max_skew():
        raise _unauthorised(
            "X-Timestamp is too far from the platform's clock (stale or replayed request).",
            header="X-Timestamp",
            max_skew_s=int(max_skew().total_seconds()),
        )
    scheme, _, given = (signature or "").strip().partition("=")
    if scheme != "sha256" or not given:
        raise _unauthorised('X-Signature must be "sha256=<hex>".', header="X-Signature")
    valid = source.secrets.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    given = given.lower()
    for secret in valid.values_list("secret", flat=True):
        expected = signature_of(secret=secret, body=body, timestamp=timestamp)
        if hmac.compare_digest(expected, given):
            return source, expected, SignatureForm.TIMESTAMPED
        expected = signature_of(secret=secret, body=body)
        if hmac.compare_digest(expected, given):
            log.warning(
                "webhook source %s signs the body alone (deprecated): sign timestamp + '.' + body",
                source.name,
            )
            return source, expected, SignatureForm.LEGACY_BODY
    raise _unauthorised("The signature does not match the body.", header="X-Signature")


class WebhookEvent(BaseModel):
    """The MQTT event payload plus the camera (CONTRACT.md, "HTTP")."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    camera: Annotated[str, Field(pattern=DEVICE_ID)]
    id: Annotated[str, Field(min_length=1, max_length=128)]
    ts: AwareDatetime | float
    type: Annotated[str, Field(min_length=1, max_length=64)]
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    count: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None  # a PostgreSQL integer
    attributes: dict[str, Any] = Field(default_factory=dict)
    zones: list[str] = Field(default_factory=list)
    end_ts: AwareDatetime | float | None = None


def _as_datetime(value: datetime | float | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(value, tz=UTC)


def webhook_parse(*, body: bytes, source: EventSource) -> DeviceEvent:
    """The request body as a stripped DeviceEvent; 400 naming the field otherwise."""
    try:  # bounded depth and size; no NaN, NUL or lone surrogate (jsonb holds none)
        raw = json_loads_bounded(body, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except JsonRefused as error:
        raise ApplicationError(
            f"The body is refused: {error.message}.", extra={"body": error.label}
        ) from None
    if not isinstance(raw, dict):
        raise ApplicationError("The body must be a JSON object.", extra={"body": "not an object"})
    clean, removed = strip_identity(raw)  # before anything else sees it
    try:
        payload = WebhookEvent.model_validate(clean)
    except ValidationError as error:
        fields: dict[str, list[str]] = {}
        for problem in error.errors():
            name = ".".join(str(p) for p in problem["loc"][:1]) or "body"
            fields.setdefault(name, []).append(problem["msg"])
        raise ApplicationError("Invalid event.", extra={"fields": fields}) from None
    instants = {}
    for name in ("ts", "end_ts"):
        try:
            instants[name] = _as_datetime(getattr(payload, name))
        except (ValueError, OverflowError, OSError):  # epoch seconds: nan, inf, year 316889355
            raise ApplicationError(
                "Invalid event.", extra={"fields": {name: ["epoch seconds out of range"]}}
            ) from None
    ts, end_ts = instants["ts"], instants["end_ts"]
    _check_not_ahead(ts=ts, end_ts=end_ts)
    message = EventMessage(
        device_id=payload.camera,
        event_id=payload.id,
        ts=ts,
        type=payload.type,
        confidence=payload.confidence,
        count=payload.count,
        attributes=payload.attributes,
        stripped=tuple(removed),
        end_ts=end_ts,
        zones=tuple(payload.zones),
    )
    return device_event(message, source=f"webhook:{source.name}")


def _check_not_ahead(*, ts: datetime, end_ts: datetime | None) -> None:
    """400 for an event time further ahead than EVENT_MAX_FUTURE_S (the same rule as MQTT's)."""
    ahead = timedelta(seconds=event_max_future_s())
    limit = timezone.now() + ahead
    fields = {
        name: [f"more than {int(ahead.total_seconds())} s ahead of the platform's clock"]
        for name, value in (("ts", ts), ("end_ts", end_ts))
        if value is not None and value > limit
    }
    if fields:
        raise ApplicationError(
            "The event's time is in the future.",
            extra={"fields": fields, "max_future_s": int(ahead.total_seconds())},
        )


def _check_legacy_replay_window(event: DeviceEvent, now: datetime) -> None:
    """A legacy signature (body alone) does not sign X-Timestamp, so a captured body can be sent
    again with a fresh timestamp; its receipt refuses that for the retention period plus a
    margin. Past the retention, the body's own event time refuses it."""
    oldest = now - timedelta(days=settings.CCTV_RETENTION_DAYS)
    if event.ts < oldest:
        raise ApplicationError(
            "An event older than the retention period needs the current signature form "
            '(HMAC of timestamp + "." + body): a body-only signature cannot prove it is no replay.',
            extra={"fields": {"ts": [f"older than {settings.CCTV_RETENTION_DAYS} days"]}},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )


def _check_bound(source: EventSource, device_id: str) -> None:
    """400 for an unknown device; 403 for a device that is not one of the source's cameras."""
    if not asset_ids_by_device_id(device_ids=[device_id]):
        raise ApplicationError(
            "Unknown camera.", extra={"fields": {"camera": [f"no device {device_id!r}"]}}
        )
    if not source.cameras.filter(device_id=device_id).exists():
        raise ApplicationError(
            f"Source {source.name!r} may not send events for {device_id!r}: it is not one of the "
            "cameras the source is bound to.",
            extra={"fields": {"camera": [f"not bound to source {source.name!r}"]}},
            status_code=status.HTTP_403_FORBIDDEN,
        )


def webhook_ingest(
    *, source_name: str, timestamp: str, signature: str, body: bytes, now: datetime | None = None
) -> IngestResult:
    """Authenticates, parses and stores one webhook event; nothing is stored on any refusal."""
    now = now or timezone.now()
    source, digest, form = webhook_authenticate(
        source_name=source_name, timestamp=timestamp, signature=signature, body=body, now=now
    )
    event = webhook_parse(body=body, source=source)
    _check_bound(source, event.device_id)
    if form == SignatureForm.LEGACY_BODY:
        _check_legacy_replay_window(event, now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(source=source, signature=digest, received_at=now)
        except IntegrityError:
            raise ApplicationError(
                "This request was received before (replay).",
                extra={"signature": digest},
                status_code=status.HTTP_409_CONFLICT,
            ) from None
        return events_ingest([event], now=now)
