"""Pushed CAP alerts: signed like the VMS webhook (cctv's event sources and secrets, the same
X-Source / X-Timestamp / X-Signature headers), by a source listed in CAP_PUSH_SOURCES; the same
signed request twice is a replay (409), as is the same message (sender, identifier, sent)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from cctv.services.sources import webhook_authenticate
from cityplatform.api import ApplicationError
from emergency.models import CapAlert, CapReceipt
from emergency.services.inbound import cap_receive_pushed


def cap_push(*, source_name: str, timestamp: str, signature: str, body: bytes) -> CapAlert:
    """Authenticates the request (401), checks the source may push CAP (403) and that the
    request is new (409), then receives the message (400 with the reason when refused)."""
    now = timezone.now()
    source, digest, _form = webhook_authenticate(
        source_name=source_name, timestamp=timestamp, signature=signature, body=body, now=now
    )
    if source.name not in settings.CAP_PUSH_SOURCES:
        raise ApplicationError(
            f"Source {source.name!r} may not push CAP alerts (CAP_PUSH_SOURCES).",
            extra={"header": "X-Source"},
            status_code=status.HTTP_403_FORBIDDEN,
        )
    try:
        with transaction.atomic():
            CapReceipt.objects.create(source=source.name, signature=digest, received_at=now)
    except IntegrityError:
        raise ApplicationError(
            "This request was received before (replay).",
            extra={"signature": digest},
            status_code=status.HTTP_409_CONFLICT,
        ) from None
    return cap_receive_pushed(source_name=source.name, body=body)
