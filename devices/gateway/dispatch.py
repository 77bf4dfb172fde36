"""Command dispatch: the dispatcher thread claims due commands and sends them, over MQTT (the
`cmd` payload, devices/protocols/messages.py) or as an OPC-UA write on the controller's session.

Nudged by the Channels group `gateway.commands` after a command is committed (it claims the
commands the nudge names, by key), and sweeping on an interval for everything due, so a
restarted gateway re-sends what is due. What stays queued for want of a route or a reachable
controller says why, on the command.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.db import connection as db_connection

from devices import metrics
from devices.choices import ControlProtocol
from devices.gateway.asyncio_side import AsyncSide
from devices.gateway.stats import GatewayStats
from devices.gateway.storage import Readbacks
from devices.gateway.threads import in_db_thread
from devices.protocols.messages import TopicMap, command_encode
from devices.protocols.mqtt import MqttConnection
from devices.services import commands as command_service
from devices.services.command_routes import commands_unsent_explain

log = logging.getLogger(__name__)

CLAIM_LIMIT = 2000  # commands per claim


class CommandDispatcher:
    def __init__(
        self,
        *,
        topics: TopicMap,
        mqtt: MqttConnection,
        stats: GatewayStats,
        readbacks: Readbacks,
        aio: AsyncSide,
        stop_event: threading.Event,
        sweep_s: float,
        opcua: bool,
    ):
        self.topics = topics
        self.mqtt = mqtt
        self.stats = stats
        self.readbacks = readbacks
        self.aio = aio
        self.stop_event = stop_event
        self.sweep_s = sweep_s
        self.opcua = opcua
        self._nudge = threading.Event()
        self._nudged_ids: set[str] = set()
        self._nudge_lock = threading.Lock()

    def nudge(self, ids: Iterable[str] = ()) -> None:
        """Wakes the dispatcher: send these commands (or look for what is due) now."""
        with self._nudge_lock:
            self._nudged_ids.update(ids)
        self._nudge.set()

    def wake(self) -> None:
        """Wakes the dispatcher to see the gateway stopping."""
        self._nudge.set()

    def run(self) -> None:
        """The dispatcher thread's loop, until the gateway stops."""
        last_sweep = 0.0
        while not self.stop_event.is_set():
            self._nudge.wait(self.sweep_s)
            self._nudge.clear()
            if self.stop_event.is_set():
                return
            with self._nudge_lock:
                nudged, self._nudged_ids = self._nudged_ids, set()
            try:
                if time.monotonic() - last_sweep >= self.sweep_s:
                    command_service.commands_sweep()
                    last_sweep = time.monotonic()
                    self.dispatch_due()  # everything due: re-sends, and any nudge lost
                    owns: Callable[[str], bool] = (
                        self.aio.owns if self.opcua else lambda _controller: False
                    )
                    commands_unsent_explain(unreachable=self.aio.sessions.unreachable(), owns=owns)
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
        limit = CLAIM_LIMIT
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
                limit=limit, ids=batch, opcua_controllers=self.aio.sessions.connected()
            )
            for command in claimed:
                if command.protocol == ControlProtocol.OPCUA:
                    self._send_opcua(command)
                else:
                    self._send_mqtt(command)
            sent += len(claimed)
            self.stats.add("commands_sent", len(claimed))
            if batches is None and len(claimed) < limit:  # nothing more is due
                return sent
        return sent

    def _send_mqtt(self, command) -> None:
        payload = command_encode(
            command_id=command.id,
            level=command.level,
            fade_s=command.fade_s,
            expires_at=command.expires_at,
        )
        info = self.mqtt.publish(self.topics.device_topic(command.device_id, "cmd"), payload, qos=1)
        if info.rc != 0:
            command_service.commands_send_failed(
                command_ids=[command.id], error=f"MQTT publish failed (rc {info.rc})"
            )
            return
        metrics.COMMANDS_SENT.labels(protocol="mqtt").inc()

    def _send_opcua(self, command) -> None:
        session = self.aio.sessions.sessions.get(command.controller_device_id or "")
        loop = self.aio.loop
        if session is None or loop is None:
            command_service.commands_send_failed(
                command_ids=[command.id], error="no OPC-UA session for its controller"
            )
            return
        if not session.serves(command.device_id):
            # The registry put this light on the controller after its session started; the
            # session is restarting with it (registry.changed): again in a moment, not after
            # the ack time-out, and without spending an attempt.
            command_service.commands_send_later(
                command_ids=[command.id],
                reason=f"luminaire {command.device_id} is not yet on the session of "
                f"controller {command.controller_device_id}",
            )
            return
        self.readbacks.expect(command.device_id, command.id, command.level)

        async def write() -> None:
            try:
                await session.write_level(command.device_id, command.level)
                metrics.COMMANDS_SENT.labels(protocol="opcua").inc()
            except Exception as error:
                log.warning("OPC-UA write to %s failed: %s", command.device_id, error)
                await asyncio.to_thread(
                    in_db_thread,
                    command_service.commands_send_failed,
                    command_ids=[command.id],
                    error=f"OPC-UA write failed: {error}"[:500],
                )

        try:
            asyncio.run_coroutine_threadsafe(write(), loop)
        except RuntimeError:  # the loop closed: the gateway is stopping
            if not self.stop_event.is_set():
                raise
            write().close()
            # Claimed but not written: it times out and is retried (or re-sent by the next
            # gateway), like any command whose ack never came.
            log.info("gateway stopping: OPC-UA write to %s left to the retry", command.device_id)
