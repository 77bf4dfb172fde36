"""Storage orchestration: a writer turns each batch into one `IngestBatch`, has the ingest
service store it in one transaction, and only then acknowledges the messages to the broker
(at-least-once; duplicates are absorbed in storage).

Each message is parsed into a typed value (devices/protocols/messages.py) and its device
resolved to an asset pk here; what the batch writes is decided in `devices/services/ingest.py`.
A batch that storage refuses is stored one by one, so that only the culprit is set aside (as a
rejected message) and the rest goes through; while the database is away, the batch waits,
unacknowledged, and is tried again.
"""

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC

from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection

from devices import metrics
from devices.choices import RejectReason
from devices.events import DeviceEvent
from devices.gateway.inbound import Inboxes
from devices.gateway.known import KnownDeviceCache
from devices.gateway.stats import GatewayStats
from devices.protocols.messages import (
    REJECTED_PAYLOAD_BYTES,
    Ack,
    Event,
    FrigateEvent,
    Rejected,
    Status,
    Telemetry,
    TopicMap,
    device_event,
    parse_message,
    rejected,
)
from devices.protocols.mqtt import GATEWAY_STATUS_ID, Inbound, MqttConnection
from devices.protocols.onvif import parse_onvif_message
from devices.services.ingest import LAMP_FAULT_EVENTS, IngestBatch, ingest_store
from devices.services.status import StatusChange
from devices.services.telemetry import StateChange

log = logging.getLogger(__name__)

READBACK_TOLERANCE = 0.5  # % between the commanded and the measured level


class Readbacks:
    """OPC-UA writes awaiting their read-back (device → command id, level): the dispatcher
    expects one, a reading within `READBACK_TOLERANCE` of the level completes the command."""

    def __init__(self):
        self._pending: dict[str, tuple[str, float]] = {}

    def expect(self, device_id: str, command_id: str, level: float) -> None:
        self._pending[device_id] = (command_id, level)

    def done(self, device_id: str) -> None:
        self._pending.pop(device_id, None)

    def match(self, reading, ts) -> Ack | None:
        pending = self._pending.get(reading.device_id)
        if (
            pending is None
            or reading.actual_level is None
            or abs(reading.actual_level - pending[1]) > READBACK_TOLERANCE
        ):
            return None
        return Ack(reading.device_id, pending[0], True, reading.actual_level, "", ts)


class BatchWriter:
    def __init__(
        self,
        *,
        topics: TopicMap,
        known: KnownDeviceCache,
        inboxes: Inboxes,
        mqtt: MqttConnection,
        stats: GatewayStats,
        readbacks: Readbacks,
        stop_event: threading.Event,
        on_state_changes: Callable[[list[StateChange]], None],
    ):
        self.topics = topics
        self.known = known
        self.inboxes = inboxes
        self.mqtt = mqtt
        self.stats = stats
        self.readbacks = readbacks
        self.stop_event = stop_event
        self.on_state_changes = on_state_changes

    def run(self, inbox: queue.SimpleQueue) -> None:
        """A writer thread's loop, over one inbox, until the gateway stops."""
        while not self.stop_event.is_set():
            items = self.inboxes.take_batch(inbox)
            metrics.QUEUE_DEPTH.set(self.inboxes.depth())
            self.known.refresh()
            if items:
                self.store_with_retry(items)

    def store_with_retry(self, items: list) -> None:
        delay = 0.5
        set_aside = False
        while not self.stop_event.is_set():
            try:
                if set_aside:
                    self._set_aside(items[0])
                else:
                    self._store(items)
                return
            except (OperationalError, InterfaceError) as error:
                # The database is away: keep the batch (unacknowledged) and try again.
                log.warning("database unavailable (%s); retrying in %.1f s", error, delay)
                with contextlib.suppress(Exception):
                    db_connection.close()
                self.stop_event.wait(delay)
                delay = min(delay * 2, 30)
            except Exception:
                # Something in the batch breaks storage: store one by one, so that only the
                # culprit is set aside (as a rejected message) and the rest goes through. A bad
                # message is meant to be rejected at parse: a split is a defect to look into.
                log.exception("a batch of %d could not be stored; storing one by one", len(items))
                if len(items) == 1:
                    set_aside = True
                    continue
                self.stats.add("batches_split")
                metrics.BATCHES_SPLIT.inc()
                for item in items:
                    self.store_with_retry([item])
                return

    def _set_aside(self, item) -> None:
        """Keeps a message that could not be stored as a rejected message, acknowledges and
        counts it. Raises only while the database is away (the caller retries)."""
        if not isinstance(item, Inbound):  # an OPC-UA reading: the next one says the same
            log.warning("a reading of %s could not be stored", getattr(item, "device_id", "?"))
            self.stats.count([("opcua", RejectReason.OTHER)])
            return
        device_id, _ = self.topics.split(item.topic) or ("", "")
        reason = "could not be stored (see the gateway's log)"
        bad = rejected(
            item.topic[:255],
            device_id,
            item.payload[:REJECTED_PAYLOAD_BYTES],
            RejectReason.OTHER,
            reason,
        )
        plain = Rejected(
            bad.topic, bad.device_id, "(withheld: could not be stored)", bad.reason_code, reason
        )
        for keep in (bad, plain):  # the payload itself may be what storage refuses
            try:
                ingest_store(batch=IngestBatch(rejected=[keep]))
                break
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                log.exception("a message on %s could not be set aside", item.topic[:255])
        self.mqtt.ack(item.mid, item.qos)
        self.stats.add("set_aside")
        self.stats.count([(self.topics.kind(item.topic), RejectReason.OTHER)])

    def _store(self, items: list) -> None:
        started = time.monotonic()
        now_epoch = time.time()
        batch = IngestBatch()
        acks: list[tuple[int, int]] = []
        # Per message: [topic kind, reason code if rejected]; acks by their value's id.
        outcomes: list[list] = []
        acked: dict[int, tuple[Inbound, int]] = {}
        oldest = started
        for item in items:
            if isinstance(item, Inbound):
                acks.append((item.mid, item.qos))
                oldest = min(oldest, item.received)
                taken = len(batch.rejected), len(batch.acks)
                outcome = self._take_mqtt(item, now_epoch, batch)
                if len(batch.rejected) > taken[0]:
                    outcome = [outcome, batch.rejected[-1].reason_code]
                else:
                    outcome = [outcome, None]
                    if len(batch.acks) > taken[1]:
                        acked[id(batch.acks[-1][1])] = (item, len(outcomes))
            else:
                outcome = self._take_reading(item, batch)
            outcomes.append(outcome)

        def unknown_ack_rejected(ack: Ack) -> Rejected:
            # An ack naming no command sent to its device is a rejected message.
            item, index = acked[id(ack)]
            outcomes[index][1] = RejectReason.NOT_ALLOWED
            return rejected(
                item.topic[:255],
                ack.device_id,
                item.payload,
                RejectReason.NOT_ALLOWED,
                f"ack for a command this device was not sent: {ack.command_id}",
            )

        result = ingest_store(batch=batch, unknown_ack_rejected=unknown_ack_rejected)
        # Committed: now, and only now, the broker may forget these messages.
        for mid, qos in acks:
            self.mqtt.ack(mid, qos)
        self.stats.count(outcomes)
        metrics.DUPLICATES.inc(result.duplicate_samples)
        for update in result.command_updates:
            metrics.COMMANDS_COMPLETED.labels(state=update.state).inc()
            self.readbacks.done(update.device_id)
        metrics.BATCH_SIZE.observe(len(items))
        metrics.BATCH_SECONDS.observe(time.monotonic() - started)
        metrics.LAG_SECONDS.set(time.monotonic() - oldest)
        self.stats.add("batches")
        self.on_state_changes(result.state_changes)

    def _take_mqtt(self, item: Inbound, now: float, batch: IngestBatch) -> str:
        """Adds one MQTT message to the batch; returns the kind it is counted under."""
        if self.topics.is_onvif(item.topic):
            return self._take_onvif(item, now, batch)
        message = parse_message(self.topics, item.topic, item.payload, now=now)
        kind = self.topics.kind(item.topic)
        if isinstance(message, Rejected):
            return self._reject(batch, message)
        if isinstance(message, FrigateEvent):
            device_id = self.known.frigate_device(message.camera)
            pk = self.known.pk(device_id) if device_id else None
            if pk is None:
                return self._reject_unknown(batch, item, message.camera, "frigate camera")
            if message.stripped:
                batch.identity_stripped.append((device_id, message.stripped))
            batch.events.append(device_event(message, source="frigate", device_id=device_id))
            return kind
        if message.device_id == GATEWAY_STATUS_ID:
            return "gateway_status"  # a gateway's own birth or will
        pk = self.known.pk(message.device_id)
        if pk is None:
            return self._reject_unknown(batch, item, message.device_id, "device")
        if isinstance(message, Telemetry):
            batch.samples.append((pk, message))
        elif isinstance(message, Status):
            batch.statuses.append(StatusChange(pk, message.online))
        elif isinstance(message, Ack):
            batch.acks.append((pk, message))
        elif isinstance(message, Event):
            if message.stripped:
                batch.identity_stripped.append((message.device_id, message.stripped))
            event = device_event(message, source="mqtt")
            batch.events.append(event)
            if message.type in LAMP_FAULT_EVENTS:
                batch.fault_events.append((pk, event))
        return kind

    def _take_onvif(self, item: Inbound, now: float, batch: IngestBatch) -> str:
        """An ONVIF Profile M event (devices/protocols/onvif.py), its source token resolved to
        the camera naming it; stripped identity items audited like Frigate's."""
        message = parse_onvif_message(item.topic, item.payload, now=now)
        if isinstance(message, Rejected):
            return self._reject(batch, message)
        device_id = self.known.onvif_device(message.source)
        if device_id is None or self.known.pk(device_id) is None:
            return self._reject_unknown(batch, item, message.source, "onvif source")
        if message.event.stripped:
            batch.identity_stripped.append((device_id, message.event.stripped))
        batch.events.append(replace(message.event, device_id=device_id))
        return "onvif"

    def _reject(self, batch: IngestBatch, message: Rejected, *, audit: bool = True) -> str:
        batch.rejected.append(message)
        if audit and message.stripped:
            batch.identity_stripped.append((message.device_id or message.topic, message.stripped))
        return self.topics.kind(message.topic)

    def _reject_unknown(self, batch: IngestBatch, item: Inbound, name: str, what: str) -> str:
        device_id, _ = self.topics.split(item.topic) or ("", "")
        message = rejected(
            item.topic[:255],
            device_id,
            item.payload,
            RejectReason.UNKNOWN_DEVICE,
            f"unknown {what}: {name[:100]}",
        )
        # Not audited: the message reached no device of the registry.
        return self._reject(batch, message, audit=False)

    def _take_reading(self, reading, batch: IngestBatch) -> list:
        """Adds one OPC-UA reading to the batch: a sample, a read-back, a lamp fault."""
        pk = self.known.pk_loaded(reading.device_id)
        if pk is None:
            return ["opcua", RejectReason.UNKNOWN_DEVICE]  # counted, not kept: no MQTT message
        ts = reading.ts if reading.ts.tzinfo else reading.ts.replace(tzinfo=UTC)
        if reading.actual_level is not None or reading.power_w is not None:
            batch.samples.append(
                (pk, Telemetry(reading.device_id, ts, reading.actual_level, reading.power_w))
            )
        if (readback := self.readbacks.match(reading, ts)) is not None:
            batch.readbacks.append((pk, readback))
        if reading.status and reading.status in LAMP_FAULT_EVENTS:
            event = DeviceEvent(
                device_id=reading.device_id,
                event_id=f"opcua-{reading.status}-{int(ts.timestamp())}",
                ts=ts,
                type=reading.status,
                source="opcua",
            )
            batch.fault_events.append((pk, event))
        return ["opcua", None]
