"""MQTT helpers shared by every process that talks to the broker."""

from urllib.parse import urlsplit


def mqtt_address(url: str) -> tuple[str, int]:
    """(host, port) of an `mqtt://host:port` (or `mqtts://`) URL."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (8883 if parts.scheme == "mqtts" else 1883)
