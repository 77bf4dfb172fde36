"""The two ways a delivery leaves the platform, each one attempt, each returning what
happened (never raising): a signed webhook POST, an e-mail through Django's mail backend."""

import json
import smtplib
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from cityplatform.signing import signature_of

CAP_XML = "application/cap+xml"
USER_AGENT = "SecureCityPlatform-Notifications/1"
# Answers worth trying again: the partner is busy or down. Any other 4xx is its refusal (a
# wrong URL, a secret it does not know): retrying would not change it.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    retryable: bool = False
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_body(*, delivery_id: int, payload: dict[str, Any], cap_xml: str) -> tuple[bytes, str]:
    """The body and its content type: the CAP document when there is one (for recipients who
    want CAP), else the JSON payload with the delivery's id (a receiver's key for duplicates)."""
    if cap_xml:
        return cap_xml.encode(), CAP_XML
    text = json.dumps({"id": delivery_id, **payload}, separators=(",", ":"), sort_keys=True)
    return text.encode(), "application/json"


def webhook_post(
    *, url: str, secret: str, body: bytes, content_type: str, event_kind: str, delivery_id: int
) -> Outcome:
    """POSTs the body signed (X-Timestamp now, X-Signature of timestamp + "." + body); a 2xx
    answer is a delivery. Redirects are not followed (the URL is the partner's, as set)."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "X-Timestamp": timestamp,
        "X-Signature": f"sha256={signature_of(secret=secret, body=body, timestamp=timestamp)}",
        "X-Event": event_kind,
        "X-Delivery": str(delivery_id),
    }
    started = time.monotonic()
    try:
        response = requests.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.NOTIFY_WEBHOOK_TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.Timeout:
        error = f"no answer within {settings.NOTIFY_WEBHOOK_TIMEOUT_S} s"
        return Outcome(ok=False, retryable=True, error=error, duration_ms=_elapsed_ms(started))
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
        return Outcome(ok=False, retryable=True, error=error, duration_ms=_elapsed_ms(started))
    took = _elapsed_ms(started)
    response.close()
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, status_code=response.status_code, duration_ms=took)
    return Outcome(
        ok=False,
        retryable=response.status_code in RETRYABLE_STATUS,
        status_code=response.status_code,
        error=f"HTTP {response.status_code} {response.reason or ''}".strip()[:500],
        duration_ms=took,
    )


def email_send(
    *, to: str, subject: str, body: str, cap_xml: str = "", cap_name: str = "alert.xml"
) -> Outcome:
    """One e-mail to one address through Django's mail backend (EMAIL_* settings), the CAP
    document attached as application/cap+xml when there is one."""
    message = EmailMessage(subject=subject, body=body, to=[to])
    if cap_xml:
        message.attach(cap_name, cap_xml, CAP_XML)
    started = time.monotonic()
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as refused:
        error = f"the server refused the address: {refused.recipients}"[:500]
        return Outcome(ok=False, error=error, duration_ms=_elapsed_ms(started))
    except (smtplib.SMTPException, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
        return Outcome(ok=False, retryable=True, error=error, duration_ms=_elapsed_ms(started))
    return Outcome(ok=True, duration_ms=_elapsed_ms(started))
