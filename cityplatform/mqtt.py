"""MQTT helpers shared by every process that talks to the broker."""

import time
import uuid
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import paho.mqtt.client as mqtt


def mqtt_address(url: str) -> tuple[str, int]:
    """(host, port) of an `mqtt://host:port` (or `mqtts://`) URL."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (8883 if parts.scheme == "mqtts" else 1883)


def mqtt_credentials(url: str) -> tuple[str | None, str | None]:
    """(user, password) of an `mqtt://user:password@host` URL; (None, None) without them."""
    parts = urlsplit(url)
    if not parts.username:
        return None, None
    return unquote(parts.username), unquote(parts.password) if parts.password else None


def mqtt_url_with_user(url: str, user: str) -> str:
    """`url` signed in as `user` instead (the same password)."""
    parts = urlsplit(url)
    _old_user, password = mqtt_credentials(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(password or '', safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def mqtt_connect_probe(url: str, *, anonymous: bool = False, timeout: float = 2.0) -> bool:
    """One real CONNECT/CONNACK exchange with the broker at `url`: True when it accepts the
    connection, False when it refuses it; raises OSError/TimeoutError when it does not answer.

    With the URL's credentials, or with none at all (`anonymous`): whether the broker lets in a
    client that did not sign in (docs/security.md, "Anonymous clients")."""
    host, port = mqtt_address(url)
    answers: list[bool] = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex}")
    user, password = mqtt_credentials(url)
    if user and not anonymous:
        client.username_pw_set(user, password)
    if urlsplit(url).scheme == "mqtts":
        client.tls_set()
    client.on_connect = lambda c, u, flags, reason, props: answers.append(not reason.is_failure)
    client.connect(host, port, keepalive=10)
    deadline = time.monotonic() + timeout
    try:
        while not answers and time.monotonic() < deadline:
            client.loop(timeout=0.05)
    finally:
        client.disconnect()
    if not answers:
        raise TimeoutError("no CONNACK")
    return answers[0]


def mqtt_anonymous_warning(url: str, *, timeout: float = 2.0) -> str | None:
    """A sentence saying the broker at `url` accepts clients that did not sign in, or None
    (it refuses them, or does not answer: that is the readiness check's business)."""
    try:
        open_to_anyone = mqtt_connect_probe(url, anonymous=True, timeout=timeout)
    except (OSError, TimeoutError):
        return None
    if not open_to_anyone:
        return None
    signed_in = mqtt_credentials(url)[0] is not None
    return (
        "the MQTT broker accepts clients without credentials: any device or person on its "
        "network can publish as any device"
        + ("" if signed_in else " (and the gateway itself signs in without credentials)")
        + "; see docs/security.md"
    )
