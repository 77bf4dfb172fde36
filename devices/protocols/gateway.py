"""The device gateway: the one process that holds device connections.

Threads, each with one job:
- paho's network thread reads MQTT and puts each message on an inbox (nothing else): camera
  events (MQTT and Frigate) on the alert inbox, everything else on the inbox;
- two writers, one per inbox, take it in batches (up to `batch_max` messages or
  `batch_window_s`; a batch holding a camera event goes as soon as its inbox is empty),
  parse each message into a typed value, store the batch in one transaction and only then
  acknowledge the messages to the broker (at-least-once, duplicates absorbed in storage). With
  a writer of their own, camera events never wait behind a batch of telemetry or acks;
- the dispatcher sends commands: nudged by the Channels group `gateway.commands` after a
  command is committed (it claims the commands the nudge names, by key), and sweeping on an
  interval for everything due, so a restarted gateway re-sends what is due;
- an asyncio loop runs the Channels listener and one OPC-UA session per controller this
  gateway owns (controllers are split between gateways by a stable hash of their device id);
  a `registry.changed` notification (or the periodic refresh) reloads the known devices and
  Frigate names and reconciles the sessions (opcua_sessions.py), without a restart;
- the live publisher sends `light.state` / `device.status`, coalesced per device, so 10,000
  messages a second do not become 10,000 WebSocket messages a second.
"""

import asyncio
import contextlib
import functools
import json
import logging
import queue
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    transaction,
)
from django.db import connection as db_connection
from django.utils import timezone

from cityplatform.live import build_message, live_publish_batch_soon, topic_group
from devices import metrics
from devices.choices import AssetKind, ControlProtocol, RejectReason
from devices.events import DeviceEvent
from devices.live import DeviceStatus, LightState
from devices.protocols.messages import (
    REJECTED_PAYLOAD_BYTES,
    Ack,
    Event,
    FrigateEvent,
    Rejected,
    Status,
    Telemetry,
    TopicMap,
    parse_message,
    rejected,
)
from devices.protocols.mqtt import (
    GATEWAY_STATUS_ID,
    Inbound,
    MqttConnection,
    warn_if_broker_anonymous,
)
from devices.protocols.opcua_sessions import OpcUaSessions, SessionPlan
from devices.selectors.gateway import KnownDevices, OpcUaController, opcua_controllers
from devices.services import commands as command_service
from devices.services.command_routes import commands_unsent_explain
from devices.services.registry import REGISTRY_CHANGED
from devices.services.status import StatusChange, status_apply
from devices.services.telemetry import (
    LAMP_FAULT_EVENTS,
    IngestBatch,
    ingest_store,
    rejected_store,
)

log = logging.getLogger(__name__)

READBACK_TOLERANCE = 0.5  # % between the commanded and the measured level


@dataclass(frozen=True, slots=True)
class Reading:
    """An OPC-UA reading handed to the writer (duck-typed on the transport's OpcUaReading)."""

    device_id: str
    ts: datetime
    actual_level: float | None
    power_w: float | None
    status: str | None


@dataclass
class GatewayOptions:
    mqtt_url: str
    client_id: str
    prefix: str
    frigate_topic: str
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


def controller_owner(device_id: str, members: int) -> int:
    """The gateway (0 … members-1) that owns a controller: stable across restarts and hosts."""
    return zlib.crc32(device_id.encode()) % max(1, members)


@dataclass
class _Stats:
    """Device messages (MQTT; not the gateway's own status) received = stored + rejected, in
    total and per topic kind; set aside = rejected because storing failed, after a split."""

    received: int = 0
    stored: int = 0
    rejected: int = 0
    batches: int = 0
    batches_split: int = 0
    set_aside: int = 0
    commands_sent: int = 0
    received_by_kind: Counter = field(default_factory=Counter)
    stored_by_kind: Counter = field(default_factory=Counter)
    rejected_by_kind: Counter = field(default_factory=Counter)
    extra: dict = field(default_factory=dict)


class Gateway:
    def __init__(self, options: GatewayOptions):
        self.options = options
        self.topics = TopicMap(options.prefix, options.frigate_topic)
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        # Camera events have a queue and a writer of their own: an alert never waits behind a
        # batch of telemetry or acks being stored.
        self.alert_inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._stats_lock = threading.Lock()
        self.stop_event = threading.Event()
        self.stats = _Stats()
        self.known = KnownDevices()
        self._known_loaded_at = 0.0
        self._unknown_refresh_at = 0.0
        # Reloads of the known devices, counted; the lock makes a writer that meets an unknown
        # device while another thread reloads wait for that reload instead of rejecting.
        self._known_generation = 0
        self._known_lock = threading.Lock()
        self._nudge = threading.Event()
        self._nudged_ids: set[str] = set()
        self._nudge_lock = threading.Lock()
        # One OPC-UA session per controller of this gateway's share, kept in step with the
        # registry (`_reconcile_opcua`); `_opcua_sessions` is its controller → session view.
        self._sessions = OpcUaSessions(make_session=self._make_session, owns=self._owns)
        self._opcua_sessions = self._sessions.sessions
        self._session_class = None  # the OPC-UA transport, once imported
        self._opcua_pending: dict[str, tuple[str, float]] = {}  # device → (command id, level)
        self._registry_changed: asyncio.Event | None = None  # set by the Channels listener
        self._reconcile_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._live_pending: dict[str, tuple[str, dict, list[str]]] = {}
        self._live_lock = threading.Lock()
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
            ],
            status_topic=f"{p}/{GATEWAY_STATUS_ID}/status",
            on_message=self._route,
            share=options.share,
            protocol=options.mqtt_protocol,
        )
        self._threads: list[threading.Thread] = []

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        self._refresh_known(force=True)
        for name, target in (
            ("gateway-writer", functools.partial(self._writer, self.inbox)),
            ("gateway-alert-writer", functools.partial(self._writer, self.alert_inbox)),
            ("gateway-dispatcher", self._dispatcher),
            ("gateway-live", self._live_publisher),
            ("gateway-async", self._async_thread),
        ):
            thread = threading.Thread(target=self._guard(target), name=name, daemon=True)
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
            len(self.known),
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
        self._nudge.set()
        if self._loop is not None and not self._loop.is_closed():  # closed: already stopping
            with contextlib.suppress(RuntimeError):  # closed in between
                self._loop.call_soon_threadsafe(lambda: None)
        with contextlib.suppress(Exception):
            self.mqtt.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def _guard(self, target):
        def run() -> None:
            try:
                target()
            except Exception:
                log.exception("gateway thread %s stopped", threading.current_thread().name)
                self.stop_event.set()
            finally:
                close_old_connections()
                db_connection.close()

        return run

    # --- known devices ----------------------------------------------------------------------

    def _refresh_known(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._known_loaded_at < self.options.known_refresh_s:
            return
        self.known = KnownDevices.load()
        self._known_loaded_at = now
        self._known_generation += 1
        metrics.KNOWN_DEVICES.set(len(self.known))

    def _look_again(self, generation: int, lookup):
        """`lookup()` once more after reloading the known devices, at most every 5 s: a device
        registered since the last load, should its registry notification have been lost. A
        thread that finds another reloading waits for that reload and looks in its result."""
        with self._known_lock:
            if self._known_generation == generation:
                if time.monotonic() < self._unknown_refresh_at:
                    return None
                self._refresh_known(force=True)
                self._unknown_refresh_at = time.monotonic() + 5.0
            return lookup()

    def _resolve(self, device_id: str) -> int | None:
        generation = self._known_generation
        pk = self.known.pk(device_id)
        if pk is None:
            pk = self._look_again(generation, lambda: self.known.pk(device_id))
        return pk

    def _frigate_device(self, camera: str) -> str | None:
        """The camera asset naming Frigate camera `camera`; like `_resolve`, a name not known
        yet makes the gateway look again (at most every 5 s), should a registry change's
        notification have been lost."""
        generation = self._known_generation
        device_id = self.known.frigate.get(camera)
        if device_id is None:
            device_id = self._look_again(generation, lambda: self.known.frigate.get(camera))
        return device_id

    # --- the writer -------------------------------------------------------------------------

    def _is_alert(self, item) -> bool:
        """A camera event (MQTT or Frigate): what an operator and the lights wait for."""
        return isinstance(item, Inbound) and (
            item.topic.endswith("/event") or item.topic == self.topics.frigate_topic
        )

    def _route(self, item: Inbound) -> None:
        (self.alert_inbox if self._is_alert(item) else self.inbox).put(item)

    def _take_batch(self, inbox: queue.SimpleQueue) -> list:
        try:
            first = inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        items = [first]
        alert = self._is_alert(first)
        deadline = time.monotonic() + self.options.batch_window_s
        while len(items) < self.options.batch_max:
            try:
                item = inbox.get_nowait()
                items.append(item)
                alert = alert or self._is_alert(item)
                continue
            except queue.Empty:
                pass
            if alert:
                # A batch holding a camera event is stored as soon as the inbox is empty:
                # the alert path waits for no window (under load, batches still form while
                # the previous one is being stored).
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = inbox.get(timeout=remaining)
            except queue.Empty:
                break
            items.append(item)
            alert = alert or self._is_alert(item)
        return items

    def _writer(self, inbox: queue.SimpleQueue) -> None:
        while not self.stop_event.is_set():
            items = self._take_batch(inbox)
            metrics.QUEUE_DEPTH.set(self.inbox.qsize() + self.alert_inbox.qsize())
            if not items:
                self._refresh_known()
                continue
            self._refresh_known()
            self._store_with_retry(items)

    def _store_with_retry(self, items: list) -> None:
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
                with self._stats_lock:
                    self.stats.batches_split += 1
                metrics.BATCHES_SPLIT.inc()
                for item in items:
                    self._store_with_retry([item])
                return

    def _set_aside(self, item) -> None:
        """Keeps a message that could not be stored as a rejected message, acknowledges and
        counts it. Raises only while the database is away (the caller retries)."""
        if not isinstance(item, Inbound):  # an OPC-UA reading: the next one says the same
            log.warning("a reading of %s could not be stored", getattr(item, "device_id", "?"))
            self._count([("opcua", RejectReason.OTHER)])
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
                with transaction.atomic():
                    ingest_store(batch=IngestBatch(rejected=[keep]))
                break
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                log.exception("a message on %s could not be set aside", item.topic[:255])
        self.mqtt.ack(item.mid, item.qos)
        with self._stats_lock:
            self.stats.set_aside += 1
        self._count([(self.topics.kind(item.topic), RejectReason.OTHER)])

    def _count(self, outcomes: Iterable[tuple[str, str | None]]) -> None:
        """Counts messages in, each stored (reason None) or rejected (its reason code), per
        topic kind: in = stored + rejected, in the metrics and in `stats` alike."""
        received, stored, refused = Counter(), Counter(), Counter()
        for kind, reason in outcomes:
            received[kind] += 1
            if reason is None:
                stored[kind] += 1
            else:
                refused[(kind, reason)] += 1
        for kind, count in received.items():
            metrics.MESSAGES_IN.labels(kind=kind).inc(count)
        for kind, count in stored.items():
            metrics.MESSAGES_STORED.labels(kind=kind).inc(count)
        for (kind, reason), count in refused.items():
            metrics.MESSAGES_REJECTED.labels(kind=kind, reason=reason).inc(count)
        # The stats count device messages: neither the gateway's own status nor OPC-UA.
        for name in ("gateway_status", "opcua"):
            received.pop(name, None)
            stored.pop(name, None)
        with self._stats_lock:  # two writers
            self.stats.received += received.total()
            self.stats.stored += stored.total()
            self.stats.rejected += received.total() - stored.total()
            self.stats.received_by_kind.update(received)
            self.stats.stored_by_kind.update(stored)
            for (kind, _), count in refused.items():
                if kind not in ("gateway_status", "opcua"):
                    self.stats.rejected_by_kind[kind] += count

    def _store(self, items: list) -> None:
        started = time.monotonic()
        now_epoch = time.time()
        batch = IngestBatch()
        statuses: list[StatusChange] = []
        audits: list[tuple[str, tuple[str, ...]]] = []
        acks: list[tuple[int, int]] = []
        # Per message: [topic kind, reason code if rejected]; acks by their value's id.
        outcomes: list[list] = []
        acked: dict[int, tuple[Inbound, int]] = {}
        lights: dict[int, tuple[str, Telemetry]] = {}
        oldest = started
        for item in items:
            if isinstance(item, Inbound):
                acks.append((item.mid, item.qos))
                oldest = min(oldest, item.received)
                taken = len(batch.rejected), len(batch.acks)
                outcome = self._take_mqtt(item, now_epoch, batch, statuses, audits, lights)
                if len(batch.rejected) > taken[0]:
                    outcome = [outcome, batch.rejected[-1].reason_code]
                else:
                    outcome = [outcome, None]
                    if len(batch.acks) > taken[1]:
                        acked[id(batch.acks[-1][1])] = (item, len(outcomes))
            else:
                outcome = self._take_reading(item, batch)
            outcomes.append(outcome)
        with transaction.atomic():
            result = ingest_store(batch=batch)
            if result.unknown_acks:
                # An ack naming no command sent to its device is a rejected message.
                late = []
                for _pk, ack in result.unknown_acks:
                    item, index = acked[id(ack)]
                    late.append(self._unknown_command(item, ack))
                    outcomes[index][1] = RejectReason.NOT_ALLOWED
                rejected_store(rejected=late, now=timezone.now())
            if statuses:
                status_apply(changes=statuses)
            if audits:
                from cityplatform.services import audit_record

                for where, removed in audits:
                    audit_record(
                        actor="gateway",
                        action="privacy.identity_stripped",
                        target_type="device_message",
                        target_id=where[:64],
                        details={"removed": list(removed)},
                    )
        # Committed: now, and only now, the broker may forget these messages.
        for mid, qos in acks:
            self.mqtt.ack(mid, qos)
        self._count(outcomes)
        metrics.DUPLICATES.inc(result.duplicate_samples)
        for update in result.command_updates:
            metrics.COMMANDS_COMPLETED.labels(state=update.state).inc()
            self._opcua_pending.pop(update.device_id, None)
        metrics.BATCH_SIZE.observe(len(items))
        metrics.BATCH_SECONDS.observe(time.monotonic() - started)
        metrics.LAG_SECONDS.set(time.monotonic() - oldest)
        with self._stats_lock:  # two writers
            self.stats.batches += 1
        self._queue_live(result.state_changes)

    def _unknown_command(self, item: Inbound, ack: Ack) -> Rejected:
        return rejected(
            item.topic[:255],
            ack.device_id,
            item.payload,
            RejectReason.NOT_ALLOWED,
            f"ack for a command this device was not sent: {ack.command_id}",
        )

    def _take_mqtt(self, item: Inbound, now, batch, statuses, audits, lights) -> str:
        message = parse_message(self.topics, item.topic, item.payload, now=now)
        kind = self.topics.kind(item.topic)
        if isinstance(message, Rejected):
            return self._reject(batch, message, audits)
        if isinstance(message, FrigateEvent):
            device_id = self._frigate_device(message.camera)
            pk = self._resolve(device_id) if device_id else None
            if pk is None:
                return self._reject_unknown(batch, item, message.camera, "frigate camera")
            if message.stripped:
                audits.append((device_id, message.stripped))
            batch.events.append(
                DeviceEvent(
                    device_id=device_id,
                    event_id=message.event_id,
                    ts=message.ts,
                    type=message.label,
                    source="frigate",
                    confidence=message.score,
                    attributes=message.attributes,
                    phase=message.phase,
                    end_ts=message.end_ts,
                    zones=message.zones,
                    stripped=message.stripped,
                )
            )
            return kind
        if message.device_id == GATEWAY_STATUS_ID:
            return "gateway_status"  # a gateway's own birth or will
        pk = self._resolve(message.device_id)
        if pk is None:
            return self._reject_unknown(batch, item, message.device_id, "device")
        if isinstance(message, Telemetry):
            batch.samples.append((pk, message))
        elif isinstance(message, Status):
            statuses.append(StatusChange(pk, message.online))
        elif isinstance(message, Ack):
            batch.acks.append((pk, message))
        elif isinstance(message, Event):
            if message.stripped:
                audits.append((message.device_id, message.stripped))
            event = DeviceEvent(
                device_id=message.device_id,
                event_id=message.event_id,
                ts=message.ts,
                type=message.type,
                source="mqtt",
                confidence=message.confidence,
                count=message.count,
                attributes=message.attributes,
                stripped=message.stripped,
            )
            batch.events.append(event)
            if message.type in LAMP_FAULT_EVENTS:
                batch.fault_events.append((pk, event))
        return kind

    def _reject(self, batch: IngestBatch, message: Rejected, audits) -> str:
        batch.rejected.append(message)
        if message.stripped:
            audits.append((message.device_id or message.topic, message.stripped))
        return self.topics.kind(message.topic)

    def _reject_unknown(self, batch, item: Inbound, name: str, what: str) -> str:
        device_id, _ = self.topics.split(item.topic) or ("", "")
        message = rejected(
            item.topic[:255],
            device_id,
            item.payload,
            RejectReason.UNKNOWN_DEVICE,
            f"unknown {what}: {name[:100]}",
        )
        return self._reject(batch, message, [])

    def _take_reading(self, reading, batch: IngestBatch) -> list:
        pk = self.known.pk(reading.device_id)
        if pk is None:
            return ["opcua", RejectReason.UNKNOWN_DEVICE]  # counted, not kept: no MQTT message
        ts = reading.ts if reading.ts.tzinfo else reading.ts.replace(tzinfo=UTC)
        if reading.actual_level is not None or reading.power_w is not None:
            batch.samples.append(
                (pk, Telemetry(reading.device_id, ts, reading.actual_level, reading.power_w))
            )
        pending = self._opcua_pending.get(reading.device_id)
        if (
            pending is not None
            and reading.actual_level is not None
            and abs(reading.actual_level - pending[1]) <= READBACK_TOLERANCE
        ):
            batch.readbacks.append(
                (pk, Ack(reading.device_id, pending[0], True, reading.actual_level, "", ts))
            )
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

    # --- commands ---------------------------------------------------------------------------

    def nudge(self, ids: Iterable[str] = ()) -> None:
        with self._nudge_lock:
            self._nudged_ids.update(ids)
        self._nudge.set()

    def _dispatcher(self) -> None:
        last_sweep = 0.0
        while not self.stop_event.is_set():
            self._nudge.wait(self.options.sweep_s)
            self._nudge.clear()
            if self.stop_event.is_set():
                return
            with self._nudge_lock:
                nudged, self._nudged_ids = self._nudged_ids, set()
            try:
                if time.monotonic() - last_sweep >= self.options.sweep_s:
                    command_service.commands_sweep()
                    last_sweep = time.monotonic()
                    self.dispatch_due()  # everything due: re-sends, and any nudge lost
                    # What is left queued for want of a route or a reachable controller
                    # says why, on the command.
                    commands_unsent_explain(
                        unreachable=self._sessions.unreachable(),
                        owns=self._owns if self.options.opcua else lambda _controller: False,
                    )
                elif nudged:
                    # What the nudge named, found by key: the alert path never waits for a
                    # scan of the command table (whose state index holds every command's
                    # past states until vacuum removes them).
                    self.dispatch_due(ids=nudged)
            except (OperationalError, InterfaceError, DatabaseError):
                # The nudged commands are not lost: the next sweep finds them due.
                log.warning("command dispatch: database unavailable", exc_info=True)
                with contextlib.suppress(Exception):
                    db_connection.close()
                self.stop_event.wait(1.0)

    def dispatch_due(self, ids: Iterable[str] | None = None) -> int:
        """Claims and sends every due command this gateway may send (only those of `ids` when
        given, a batch of ids per claim); returns how many."""
        if not self.mqtt.connected.is_set():
            return 0
        limit = 2000
        if ids is not None:
            ids = list(ids)
            batches = iter([ids[i : i + limit] for i in range(0, len(ids), limit)])
        else:
            batches = None
        sent = 0
        while not self.stop_event.is_set():  # stopping: claim nothing more
            batch = None
            if batches is not None:
                batch = next(batches, None)
                if batch is None:
                    return sent
            claimed = command_service.commands_claim_due(
                limit=limit, ids=batch, opcua_controllers=self._sessions.connected()
            )
            for command in claimed:
                if command.protocol == ControlProtocol.OPCUA:
                    self._send_opcua(command)
                else:
                    self._send_mqtt(command)
            sent += len(claimed)
            with self._stats_lock:
                self.stats.commands_sent += len(claimed)
            if batches is None and len(claimed) < limit:  # nothing more is due
                return sent
        return sent

    def _send_mqtt(self, command) -> None:
        body = {
            "id": command.id,
            "op": "set_level",
            "level": command.level,
            "fade_s": command.fade_s,
        }
        if command.expires_at is not None:
            body["expires"] = command.expires_at.astimezone(UTC).isoformat()
        info = self.mqtt.publish(
            self.topics.device_topic(command.device_id, "cmd"),
            json.dumps(body, separators=(",", ":")).encode(),
            qos=1,
        )
        if info.rc != 0:
            command_service.commands_send_failed(
                command_ids=[command.id], error=f"MQTT publish failed (rc {info.rc})"
            )
            return
        metrics.COMMANDS_SENT.labels(protocol="mqtt").inc()

    def _send_opcua(self, command) -> None:
        session = self._opcua_sessions.get(command.controller_device_id or "")
        if session is None or self._loop is None:
            command_service.commands_send_failed(
                command_ids=[command.id], error="no OPC-UA session for its controller"
            )
            return
        self._opcua_pending[command.device_id] = (command.id, command.level)

        async def write() -> None:
            try:
                await session.write_level(command.device_id, command.level)
                metrics.COMMANDS_SENT.labels(protocol="opcua").inc()
            except Exception as error:
                log.warning("OPC-UA write to %s failed: %s", command.device_id, error)
                await asyncio.to_thread(
                    _in_db_thread,
                    command_service.commands_send_failed,
                    command_ids=[command.id],
                    error=f"OPC-UA write failed: {error}"[:500],
                )

        try:
            asyncio.run_coroutine_threadsafe(write(), self._loop)
        except RuntimeError:  # the loop closed: the gateway is stopping
            if not self.stop_event.is_set():
                raise
            write().close()
            # Claimed but not written: it times out and is retried (or re-sent by the next
            # gateway), like any command whose ack never came.
            log.info("gateway stopping: OPC-UA write to %s left to the retry", command.device_id)

    # --- the asyncio side: the Channels listener and OPC-UA sessions ------------------------

    def _async_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._async_main())
        finally:
            loop.close()

    async def _async_main(self) -> None:
        self._registry_changed = asyncio.Event()
        self._reconcile_lock = asyncio.Lock()
        tasks = [
            asyncio.create_task(self._listen_for_commands()),
            asyncio.create_task(self._watch_registry()),
        ]
        if self.options.opcua:
            tasks.append(asyncio.create_task(self._run_opcua()))
        while not self.stop_event.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen_for_commands(self) -> None:
        from channels.layers import channel_layers

        if "default" not in channel_layers.configs:
            return
        # A layer instance of its own: its receive() is bound to this thread's event loop.
        layer = channel_layers.make_backend("default")
        delay = 1.0
        while True:
            try:
                channel = await layer.new_channel("gateway.")
                await layer.group_add(command_service.GATEWAY_GROUP, channel)
                delay = 1.0
                while True:
                    message = await layer.receive(channel)
                    if message.get("type") == "commands.due":
                        self.nudge(message.get("ids") or ())
                    elif message.get("type") == REGISTRY_CHANGED:
                        log.info("registry changed (%s)", ", ".join(message.get("device_ids", ())))
                        self._registry_changed.set()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.info("Channels listener interrupted (%r); again in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _run_opcua(self) -> None:
        try:
            from devices.protocols.opcua import OpcUaControllerSession
        except ImportError:
            log.info("OPC-UA transport not available; no controller sessions")
            return
        self._session_class = OpcUaControllerSession
        await self._reconcile_opcua()
        self.nudge()
        try:
            while True:
                metrics.OPCUA_SESSIONS.set(len(self._sessions.connected()))
                await asyncio.sleep(5)
        finally:
            await self._sessions.close()

    def _owns(self, controller_device_id: str) -> bool:
        return controller_owner(controller_device_id, self.options.members) == self.options.member

    def _make_session(self, controller: OpcUaController):
        return self._session_class(
            controller_device_id=controller.device_id,
            endpoint_url=controller.endpoint_url,
            luminaires=list(controller.luminaires),
            on_reading=self._on_reading,
            browse_path_template=controller.browse_path_template,
            watchdog_s=self.options.opcua_watchdog_s,
            on_connected=self.nudge,  # commands waiting for this controller go now
        )

    async def _reconcile_opcua(self) -> SessionPlan:
        """Starts, reconnects or closes sessions so that they match the registry's controllers
        (one at a time: a notification and the periodic refresh may come together)."""
        async with self._reconcile_lock:
            controllers: list[OpcUaController] = await asyncio.to_thread(
                _in_db_thread, opcua_controllers
            )
            plan = await self._sessions.reconcile(controllers)
        if plan.start or plan.restart:
            self.nudge()
        return plan

    async def _watch_registry(self) -> None:
        """Brings the registry's changes to this gateway: the known devices and Frigate names,
        and the OPC-UA sessions. At once on a `registry.changed` notification (changes in a
        burst are taken together), and every `known_refresh_s` in any case: a notification
        lost with Redis only delays."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._registry_changed.wait(), self.options.known_refresh_s)
            self._registry_changed.clear()
            try:
                await asyncio.to_thread(_in_db_thread, self._refresh_known, force=True)
                if self._session_class is not None:
                    await self._reconcile_opcua()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("registry refresh failed (%r); again at the next change", error)
                await asyncio.sleep(1.0)

    async def _on_reading(self, reading) -> None:
        self.inbox.put(reading)

    # --- live updates -----------------------------------------------------------------------

    def _queue_live(self, changes) -> None:
        if not changes:
            return
        with self._live_lock:
            for change in changes:
                known = self.known.get(change.device_id)
                if known is None:
                    continue
                topics = [f"device:{change.device_id}"]
                if known.zone_id:
                    topics.append(f"zone:{known.zone_id}")
                # Plain tuples here; the schema objects are built only for what is sent.
                if known.kind == AssetKind.STREETLIGHT:
                    fields = {
                        "device_id": change.device_id,
                        "level": change.level,
                        "power_w": change.power_w,
                        "zone_id": known.zone_id,
                    }
                    self._live_pending[change.device_id] = ("light.state", fields, topics)
                if change.came_online:
                    fields = {
                        "device_id": change.device_id,
                        "kind": known.kind,
                        "online": True,
                        "zone_id": known.zone_id,
                    }
                    self._live_pending[change.device_id + "\0status"] = (
                        "device.status",
                        fields,
                        topics,
                    )

    def _live_publisher(self) -> None:
        while not self.stop_event.wait(self.options.live_interval_s):
            with self._live_lock:
                if not self._live_pending:
                    continue
                keys = list(self._live_pending)[: self.options.live_max_per_flush]
                taken = [self._live_pending.pop(key) for key in keys]
            by_kind: dict[str, list] = {}
            schemas = {"light.state": LightState, "device.status": DeviceStatus}
            for kind, fields, topics in taken:
                message = build_message(kind, schemas[kind](**fields)).model_dump(mode="json")
                by_kind.setdefault(kind, []).append((message, [topic_group(t) for t in topics]))
            for kind, payloads in by_kind.items():
                live_publish_batch_soon(kind, payloads)


def _in_db_thread(function, *args, **kwargs):
    """Runs ORM work in a worker thread and closes its connection afterwards."""
    try:
        return function(*args, **kwargs)
    finally:
        db_connection.close()


def gateway_options_from_settings(**overrides) -> GatewayOptions:
    options = GatewayOptions(
        mqtt_url=settings.MQTT_URL,
        client_id=settings.MQTT_CLIENT_ID,
        prefix=settings.MQTT_TOPIC_PREFIX,
        frigate_topic=settings.FRIGATE_TOPIC,
        mqtt_protocol=settings.MQTT_PROTOCOL,
        warn_anonymous=not settings.MQTT_ANONYMOUS_ALLOWED,
    )
    for key, value in overrides.items():
        if value is not None:
            setattr(options, key, value)
    return options
