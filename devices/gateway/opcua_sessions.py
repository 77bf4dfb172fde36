"""The gateway's OPC-UA sessions, kept in step with the registry.

One `OpcUaControllerSession` per controller this gateway owns (controllers are split between
gateways by a stable hash of their device id). `reconcile(controllers)` is called with what the
registry holds now, at start, on every registry change the gateway is told of and on its
periodic refresh: a controller added through the API gets its session within seconds, one whose
endpoint, browse path or luminaires changed is reconnected with the new ones, one removed or
decommissioned is closed. Nothing here reads the database: the caller passes the controllers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from devices.selectors.gateway import OpcUaController

log = logging.getLogger("devices.protocols.opcua")


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What reconciling changes: controllers to start, to restart (their set-up changed), to
    stop. Pure: computed from the running set-ups and the registry's."""

    start: tuple[str, ...]
    restart: tuple[str, ...]
    stop: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.start or self.restart or self.stop)


def session_plan(
    running: dict[str, OpcUaController], wanted: dict[str, OpcUaController]
) -> SessionPlan:
    return SessionPlan(
        start=tuple(sorted(wanted.keys() - running.keys())),
        restart=tuple(sorted(d for d in wanted.keys() & running.keys() if wanted[d] != running[d])),
        stop=tuple(sorted(running.keys() - wanted.keys())),
    )


class OpcUaSessions:
    """Owns the sessions and their tasks on the gateway's asyncio loop.

    `sessions` (controller device id → session) and `lights` (luminaire → controller) are the
    gateway's views: plain dicts, replaced entry by entry, read from other threads."""

    def __init__(
        self,
        *,
        make_session: Callable[[OpcUaController], object],
        owns: Callable[[str], bool],
    ) -> None:
        self.make_session = make_session
        self.owns = owns
        self.sessions: dict[str, object] = {}
        self.lights: dict[str, str] = {}
        self._setups: dict[str, OpcUaController] = {}
        self._tasks: dict[str, asyncio.Task] = {}

    async def reconcile(self, controllers: Iterable[OpcUaController]) -> SessionPlan:
        controllers = list(controllers)
        wanted = {c.device_id: c for c in controllers if self.owns(c.device_id)}
        plan = session_plan(self._setups, wanted)
        for device_id in (*plan.stop, *plan.restart):
            await self._stop(device_id)
        for device_id in (*plan.restart, *plan.start):
            self._start(wanted[device_id])
        self.lights = {light: c.device_id for c in wanted.values() for light in c.luminaires}
        if plan:
            log.info(
                "OPC-UA: %d of %d controllers are this gateway's (started %s, reconnected %s, "
                "closed %s)",
                len(wanted),
                len(controllers),
                list(plan.start) or "none",
                list(plan.restart) or "none",
                list(plan.stop) or "none",
            )
        return plan

    def _start(self, controller: OpcUaController) -> None:
        session = self.make_session(controller)
        self._setups[controller.device_id] = controller
        self.sessions[controller.device_id] = session
        self._tasks[controller.device_id] = asyncio.create_task(
            session.run(), name=f"opcua:{controller.device_id}"
        )

    async def _stop(self, device_id: str) -> None:
        self._setups.pop(device_id, None)
        self.sessions.pop(device_id, None)
        task = self._tasks.pop(device_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        for device_id in list(self._tasks):
            await self._stop(device_id)

    def connected(self) -> set[str]:
        """The controllers whose session is connected now: the only ones commands go to."""
        return {d for d, s in list(self.sessions.items()) if getattr(s, "connected", False)}

    def unreachable(self) -> dict[str, str]:
        """Controller device id → why its session is not connected, for those that are not."""
        found = {}
        for device_id, session in list(self.sessions.items()):
            if not getattr(session, "connected", False):
                setup = self._setups.get(device_id)
                endpoint = setup.endpoint_url if setup else "?"
                error = getattr(session, "last_error", "") or "connecting"
                found[device_id] = f"controller {device_id} is not connected ({endpoint}: {error})"
        return found
