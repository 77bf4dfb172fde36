"""The gateway's asyncio side, on a thread of its own: the Channels listener and one OPC-UA
session per controller this gateway owns.

Controllers are split between gateways by a stable hash of their device id
(`controller_owner`). A `registry.changed` notification (or the periodic refresh) reloads the
known devices and Frigate names and reconciles the sessions (opcua_sessions.py), without a
restart; a `commands.due` notification nudges the dispatcher.
"""

import asyncio
import contextlib
import logging
import threading
import zlib
from collections.abc import Callable

from channels.layers import channel_layers

from devices import metrics
from devices.gateway.known import KnownDeviceCache
from devices.gateway.opcua_sessions import OpcUaSessions, SessionPlan
from devices.gateway.options import GatewayOptions
from devices.gateway.threads import in_db_thread
from devices.selectors.gateway import OpcUaController, opcua_controllers
from devices.services import commands as command_service
from devices.services.registry import REGISTRY_CHANGED

log = logging.getLogger(__name__)


def controller_owner(device_id: str, members: int) -> int:
    """The gateway (0 … members-1) that owns a controller: stable across restarts and hosts."""
    return zlib.crc32(device_id.encode()) % max(1, members)


class AsyncSide:
    def __init__(
        self,
        *,
        options: GatewayOptions,
        known: KnownDeviceCache,
        stop_event: threading.Event,
        nudge: Callable[..., None],
        on_reading: Callable[[object], None],
    ):
        self.options = options
        self.known = known
        self.stop_event = stop_event
        self.nudge = nudge
        self.on_reading = on_reading
        # One OPC-UA session per controller of this gateway's share, kept in step with the
        # registry (`reconcile_opcua`); `sessions.sessions` is its controller → session view.
        self.sessions = OpcUaSessions(make_session=self._make_session, owns=self.owns)
        self._session_class = None  # the OPC-UA transport, once imported
        self._registry_changed: asyncio.Event | None = None  # set by the Channels listener
        self._reconcile_lock: asyncio.Lock | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def owns(self, controller_device_id: str) -> bool:
        return controller_owner(controller_device_id, self.options.members) == self.options.member

    def run(self) -> None:
        """The asyncio thread's body: a loop of its own until the gateway stops."""
        loop = asyncio.new_event_loop()
        self.loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    def wake(self) -> None:
        """Wakes the loop to see the gateway stopping (a no-op once the loop is closed)."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed in between
                loop.call_soon_threadsafe(lambda: None)

    async def _main(self) -> None:
        self._registry_changed = asyncio.Event()
        self._reconcile_lock = asyncio.Lock()
        tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._watch_registry()),
        ]
        if self.options.opcua:
            tasks.append(asyncio.create_task(self._run_opcua()))
        while not self.stop_event.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self) -> None:
        """The Channels listener: command nudges and registry changes."""
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
            # deferred: asyncua is a heavy import, paid only by a gateway running OPC-UA
            from devices.protocols.opcua import OpcUaControllerSession
        except ImportError:
            log.info("OPC-UA transport not available; no controller sessions")
            return
        self._session_class = OpcUaControllerSession
        await self.reconcile_opcua()
        self.nudge()
        try:
            while True:
                metrics.OPCUA_SESSIONS.set(len(self.sessions.connected()))
                await asyncio.sleep(5)
        finally:
            await self.sessions.close()

    def _make_session(self, controller: OpcUaController):
        return self._session_class(
            controller_device_id=controller.device_id,
            endpoint_url=controller.endpoint_url,
            luminaires=list(controller.luminaires),
            on_reading=self._reading,
            browse_path_template=controller.browse_path_template,
            watchdog_s=self.options.opcua_watchdog_s,
            on_connected=self.nudge,  # commands waiting for this controller go now
        )

    async def reconcile_opcua(self) -> SessionPlan:
        """Starts, reconnects or closes sessions so that they match the registry's controllers
        (one at a time: a notification and the periodic refresh may come together)."""
        async with self._reconcile_lock:
            controllers: list[OpcUaController] = await asyncio.to_thread(
                in_db_thread, opcua_controllers
            )
            plan = await self.sessions.reconcile(controllers)
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
                await asyncio.to_thread(in_db_thread, self.known.refresh, force=True)
                if self._session_class is not None:
                    await self.reconcile_opcua()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("registry refresh failed (%r); again at the next change", error)
                await asyncio.sleep(1.0)

    async def _reading(self, reading) -> None:
        self.on_reading(reading)
