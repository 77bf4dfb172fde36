"""The gateway process: one `Gateway` owns the MQTT connection and the threads, one job each.

- paho's network thread reads MQTT and puts each message on an inbox (`inbound.py`);
- two writers, one per inbox, store batches and only then acknowledge them (`storage.py`);
- the dispatcher sends commands (`dispatch.py`);
- the asyncio thread runs the Channels listener and the OPC-UA sessions (`asyncio_side.py`);
- the live publisher sends state changes, coalesced per device (`live.py`).

The pieces share only what they are handed here: the known devices (`known.py`), the counts
(`stats.py`), the OPC-UA writes awaiting read-back and the stop event.
"""

import contextlib
import functools
import logging
import threading
from collections.abc import Iterable

from devices.gateway.asyncio_side import AsyncSide
from devices.gateway.dispatch import CommandDispatcher
from devices.gateway.inbound import Inboxes
from devices.gateway.known import KnownDeviceCache
from devices.gateway.live import LiveCoalescer
from devices.gateway.options import GatewayOptions
from devices.gateway.stats import GatewayStats
from devices.gateway.storage import BatchWriter, Readbacks
from devices.gateway.threads import guarded
from devices.protocols.messages import TopicMap
from devices.protocols.mqtt import GATEWAY_STATUS_ID, MqttConnection, warn_if_broker_anonymous
from devices.selectors.gateway import KnownDevices

log = logging.getLogger(__name__)


class Gateway:
    def __init__(self, options: GatewayOptions):
        self.options = options
        self.topics = TopicMap(options.prefix, options.frigate_topic, options.onvif_topic)
        self.stop_event = threading.Event()
        self.stats = GatewayStats()
        self.devices = KnownDeviceCache(options.known_refresh_s)
        self.inboxes = Inboxes(
            self.topics, batch_max=options.batch_max, batch_window_s=options.batch_window_s
        )
        p = options.prefix
        self.mqtt = MqttConnection(
            url=options.mqtt_url,
            client_id=options.client_id,
            subscriptions=[
                f"{p}/+/telemetry",
                f"{p}/+/status",
                f"{p}/+/event",
                f"{p}/+/ack",
                options.frigate_topic,
                *([options.onvif_topic] if options.onvif_topic else []),
            ],
            status_topic=f"{p}/{GATEWAY_STATUS_ID}/status",
            on_message=self.inboxes.route,
            share=options.share,
            protocol=options.mqtt_protocol,
        )
        readbacks = Readbacks()
        self.live = LiveCoalescer(
            known=self.devices,
            stop_event=self.stop_event,
            interval_s=options.live_interval_s,
            max_per_flush=options.live_max_per_flush,
        )
        self.writer = BatchWriter(
            topics=self.topics,
            known=self.devices,
            inboxes=self.inboxes,
            mqtt=self.mqtt,
            stats=self.stats,
            readbacks=readbacks,
            stop_event=self.stop_event,
            on_state_changes=self.live.queue,
        )
        self.aio = AsyncSide(
            options=options,
            known=self.devices,
            stop_event=self.stop_event,
            nudge=self.nudge,
            on_reading=self.inboxes.put_reading,
        )
        self.dispatcher = CommandDispatcher(
            topics=self.topics,
            mqtt=self.mqtt,
            stats=self.stats,
            readbacks=readbacks,
            aio=self.aio,
            stop_event=self.stop_event,
            sweep_s=options.sweep_s,
            opcua=options.opcua,
        )
        self._threads: list[threading.Thread] = []

    # What the operators' tools and the tests look at.

    @property
    def known(self) -> KnownDevices:
        return self.devices.devices

    @property
    def _opcua_sessions(self) -> dict:
        """Controller device id → its OPC-UA session."""
        return self.aio.sessions.sessions

    def _refresh_known(self, *, force: bool = False) -> None:
        self.devices.refresh(force=force)

    def nudge(self, ids: Iterable[str] = ()) -> None:
        self.dispatcher.nudge(ids)

    def dispatch_due(self, ids: Iterable[str] | None = None) -> int:
        return self.dispatcher.dispatch_due(ids)

    # Running.

    def start(self) -> None:
        self.devices.refresh(force=True)
        for name, target in (
            ("gateway-writer", functools.partial(self.writer.run, self.inboxes.inbox)),
            ("gateway-alert-writer", functools.partial(self.writer.run, self.inboxes.alert_inbox)),
            ("gateway-dispatcher", self.dispatcher.run),
            ("gateway-live", self.live.run),
            ("gateway-async", self.aio.run),
        ):
            thread = threading.Thread(
                target=guarded(target, self.stop_event), name=name, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self.mqtt.start()
        if self.options.warn_anonymous:
            threading.Thread(
                target=warn_if_broker_anonymous,
                args=(self.options.mqtt_url,),
                name="gateway-broker-check",
                daemon=True,
            ).start()
        log.info(
            "gateway %s started: %d known devices, prefix %s%s",
            self.options.client_id,
            len(self.devices),
            self.options.prefix,
            f", shared group {self.options.share}" if self.options.share else "",
        )

    def run_forever(self) -> None:
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.dispatcher.wake()
        self.aio.wake()
        with contextlib.suppress(Exception):
            self.mqtt.stop()
        for thread in self._threads:
            thread.join(timeout=10)
