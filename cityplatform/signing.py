"""The platform's webhook signature, one rule for both directions (CONTRACT.md, "HTTP" and
"Outbound notifications"): `X-Signature: sha256=<hex HMAC-SHA256 of timestamp + "." + body>`,
the `X-Timestamp` header exactly as sent, a dot, the raw body. cctv checks it on the requests
a video management system signs; notifications signs the webhooks it sends to partners."""

import hashlib
import hmac


def signature_of(*, secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The hex HMAC-SHA256 of `timestamp + "." + body` (the current form) or, without a
    timestamp, of the body alone (the deprecated form, still accepted inbound)."""
    signed = body if timestamp is None else timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
