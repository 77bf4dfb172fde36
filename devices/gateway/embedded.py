"""The device side of `make demo` (demo services, see cityplatform/embedded.py).

- `run_broker`: when nothing listens at `MQTT_URL`, an in-process amqtt broker listens there
  (MQTT 3.1.1), so a new user needs no Mosquitto; when a broker is there, it is used.
- `run_gateway`: the device gateway in this process (its threads), until the demo stops.
"""

import asyncio
import contextlib
import logging
import socket

from django.conf import settings

from cityplatform.mqtt import mqtt_address
from devices.gateway import Gateway, gateway_options_from_settings, in_db_thread

log = logging.getLogger("devices.embedded")

# Set by run_broker when the embedded broker runs: the gateway then speaks MQTT 3.1.1.
_state = {"embedded_broker": False, "ready": None}


def broker_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout):
        return True
    return False


def _ready() -> asyncio.Event:
    if _state["ready"] is None:
        _state["ready"] = asyncio.Event()
    return _state["ready"]


async def run_broker(ctx) -> None:
    host, port = mqtt_address(settings.MQTT_URL)
    ready = _ready()
    if await asyncio.to_thread(broker_listening, host, port):
        log.info("MQTT broker found at %s:%s; not starting the embedded one", host, port)
        ready.set()
        return
    # deferred: amqtt (a heavy import) is needed only when no broker listens at MQTT_URL
    from amqtt.broker import Broker

    broker = Broker(
        {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
    )
    await broker.start()
    _state["embedded_broker"] = True
    log.info("embedded MQTT broker (amqtt) listening at %s:%s", host, port)
    ready.set()
    try:
        await ctx.stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await broker.shutdown()


async def run_gateway(ctx) -> None:
    await _ready().wait()
    options = gateway_options_from_settings()
    if _state["embedded_broker"]:
        options.mqtt_protocol = "3.1.1"
    gateway = Gateway(options)
    await asyncio.to_thread(in_db_thread, gateway.start)
    try:
        await ctx.stop.wait()
    finally:
        await asyncio.to_thread(in_db_thread, gateway.stop)
