"""The device side of `make demo` (demo services, see cityplatform/embedded.py).

- `run_broker`: when nothing listens at `MQTT_URL`, an in-process amqtt broker listens there
  (MQTT 3.1.1), so a new user needs no Mosquitto; when a broker is there, it is used.
- `run_gateway`: the device gateway in this process (its threads), until the demo stops.
"""

import asyncio
import contextlib
import logging
import socket
import threading

from django.conf import settings

from cityplatform.mqtt import mqtt_address
from devices.gateway import Gateway, gateway_options_from_settings, in_db_thread

log = logging.getLogger("devices.embedded")

# Set by run_broker when the embedded broker runs: the gateway then speaks MQTT 3.1.1.
_state = {"embedded_broker": False}

# amqtt's loggers: what they say about clients that connect and go without a word (the demo's
# own "is a broker listening?" probe) is expected, and a QoS 1 acknowledgement later than its
# fixed 5 s (the gateway acknowledges a message once it is stored, which takes longer than that
# while the demo starts) is counted and said once a minute, not logged with a traceback each.
AMQTT_LOGGERS = ("amqtt.broker", "amqtt.mqtt.protocol.handler", "amqtt.session")
LATE_ACK_REPORT_S = 60.0


class LateAcks(logging.Filter):
    """Counts (and drops) amqtt's records of a late PUBACK; passes its other warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "PUBACK" in text or "Task exception was never retrieved" in text:
            if "Timeout waiting" in text or "never retrieved" in text:
                with self._lock:
                    self.count += 1
            return False
        return "Invalid connection" not in text and "No data to decode" not in text

    def take(self) -> int:
        with self._lock:
            count, self.count = self.count, 0
        return count


def broker_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout):
        return True
    return False


class BrokerThread(threading.Thread):
    """The amqtt broker on an event loop of its own. On the demo's loop (the web server, the
    simulators, two OPC-UA servers and their sessions) it missed its own 5 s PUBACK deadline
    whenever that loop was busy (building the controllers' address spaces at start), and logged
    a traceback for every QoS 1 delivery it then gave up on (some 400 in the first 15 s)."""

    def __init__(self, config: dict, late_acks: LateAcks | None = None) -> None:
        super().__init__(name="embedded-mqtt-broker", daemon=True)
        self.config = config
        self.late_acks = late_acks or LateAcks()
        self.started = threading.Event()
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None  # (Thread has a _stop of its own)

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        # deferred: amqtt (a heavy import) is needed only when no broker listens at MQTT_URL
        from amqtt.broker import Broker

        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(self._exception)
        self._stopping = asyncio.Event()
        broker = Broker(self.config)
        try:
            await broker.start()
        except BaseException as exc:
            self.error = exc
            self.started.set()
            return
        self.started.set()
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), LATE_ACK_REPORT_S)
                    break
                self.report()
        finally:
            self.report()
            with contextlib.suppress(Exception):
                await broker.shutdown()

    def _exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if isinstance(context.get("exception"), TimeoutError):  # a delivery's late PUBACK
            with self.late_acks._lock:
                self.late_acks.count += 1
            return
        loop.default_exception_handler(context)

    def report(self) -> None:
        if late := self.late_acks.take():
            log.info(
                "embedded broker: %d QoS 1 deliveries acknowledged after amqtt's 5 s limit "
                "(delivered; the gateway acknowledges once it has stored them)",
                late,
            )

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # its loop has ended already
                self._loop.call_soon_threadsafe(self._stopping.set)


async def run_broker(ctx) -> None:
    host, port = mqtt_address(settings.MQTT_URL)
    ready = ctx.readiness("mqtt", before_banner=True)
    if await asyncio.to_thread(broker_listening, host, port):
        log.info("MQTT broker found at %s:%s; not starting the embedded one", host, port)
        ready.set()
        return
    late_acks = LateAcks()
    for name in AMQTT_LOGGERS:
        logging.getLogger(name).addFilter(late_acks)
    thread = BrokerThread(
        {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        },
        late_acks,
    )
    thread.start()
    await asyncio.to_thread(thread.started.wait)
    if thread.error is not None:
        ready.set()
        raise thread.error
    _state["embedded_broker"] = True
    log.info("embedded MQTT broker (amqtt) listening at %s:%s", host, port)
    ready.set()
    try:
        await ctx.stop.wait()
    finally:
        thread.stop()
        await asyncio.to_thread(thread.join, 10)
        for name in AMQTT_LOGGERS:
            logging.getLogger(name).removeFilter(late_acks)


async def run_gateway(ctx) -> None:
    # The broker listening, and the simulated devices (their OPC-UA controllers) too: the
    # gateway's sessions then connect at the first try instead of logging refusals.
    await ctx.wait_ready("mqtt", "devices")
    options = gateway_options_from_settings()
    if _state["embedded_broker"]:
        options.mqtt_protocol = "3.1.1"
    gateway = Gateway(options)
    await asyncio.to_thread(in_db_thread, gateway.start)
    try:
        await ctx.stop.wait()
    finally:
        await asyncio.to_thread(in_db_thread, gateway.stop)
