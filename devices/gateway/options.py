"""The gateway's knobs: one `GatewayOptions`, filled from settings (`run_gateway`'s flags and
the demo override a few)."""

from dataclasses import dataclass

from django.conf import settings


@dataclass
class GatewayOptions:
    mqtt_url: str
    client_id: str
    prefix: str
    frigate_topic: str
    onvif_topic: str = ""
    share: str | None = None
    member: int = 0  # this gateway's index among `members`, for the OPC-UA split
    members: int = 1
    batch_max: int = 1000
    batch_window_s: float = 0.05
    known_refresh_s: float = 60.0
    sweep_s: float = 2.0
    live_interval_s: float = 0.5
    live_max_per_flush: int = 250  # at most ~500 live messages a second, latest per device
    opcua: bool = True
    opcua_watchdog_s: float = 60.0
    mqtt_protocol: str = "5"  # or "3.1.1"
    warn_anonymous: bool = True  # log at start when the broker accepts anonymous clients


def gateway_options_from_settings(**overrides) -> GatewayOptions:
    """The options from settings; an override of None keeps the setting's value."""
    options = GatewayOptions(
        mqtt_url=settings.MQTT_URL,
        client_id=settings.MQTT_CLIENT_ID,
        prefix=settings.MQTT_TOPIC_PREFIX,
        frigate_topic=settings.FRIGATE_TOPIC,
        onvif_topic=settings.ONVIF_TOPIC,
        mqtt_protocol=settings.MQTT_PROTOCOL,
        warn_anonymous=not settings.MQTT_ANONYMOUS_ALLOWED,
    )
    for key, value in overrides.items():
        if value is not None:
            setattr(options, key, value)
    return options
