"""The OPC-UA client transport: one session per lighting controller (CONTRACT.md, "OPC-UA").

`OpcUaControllerSession` owns the connection to one controller. It looks the namespace index up
by URI (never by number), finds every luminaire by its browse path, subscribes to `ActualLevel`,
`PowerW` and `Status` of each and hands the gateway an `OpcUaReading` per change; it writes
`DimLevel` for commands. A command is complete when a reading's `actual_level` equals the
commanded level: that comparison is the gateway's, the session only reports.

Readings: each reading is a snapshot of a luminaire: the latest value of all three variables
the session knows (None until the server has sent one), timestamped with the newest source
timestamp among the changes it carries. Changes that arrive in one publish response are folded
into one reading per luminaire, so the initial values after (re)subscribing are one reading each.

A luminaire that the server does not have is logged (once per connection) and reported with one
reading whose `status` is "unknown" and whose values are None; the session goes on with the
others and looks for it again at the next reconnect.

Liveness: besides the luminaires' variables the subscription watches the server's
`ServerStatus/CurrentTime` (every server updates it, asyncua's once a second), so a healthy
subscription is never quiet. When nothing has arrived for `watchdog_s`, or the client's own
status check (a read of the server state every few seconds) finds the connection gone, the
session drops the connection and reconnects with exponential backoff (0.5 s doubling to 30 s,
with jitter), then re-subscribes everything.
"""

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from asyncua import Client, Node, ua
from asyncua.client.ua_client import UaClientState

from devices.protocols.opcua_nodes import (
    DEFAULT_BROWSE_PATH,
    NAMESPACE_URI,
    UNKNOWN_STATUS,
    WATCHED,
    OpcUaReading,
    OpcUaWriteError,
    parse_browse_path,
    quiet_asyncua,
    relative_path,
)

log = logging.getLogger("devices.protocols.opcua")


quiet_asyncua()


class _Silent(Exception):
    """The subscription has been silent for longer than the watchdog allows."""


class _Handler:
    """asyncua calls this for every data change; it only queues, the session does the rest."""

    def __init__(self, session: "OpcUaControllerSession") -> None:
        self.session = session

    def datachange_notification(self, node: Node, val: Any, data: Any) -> None:
        self.session._notified(node, val, data)

    def status_change_notification(self, status: Any) -> None:
        self.session._status_changed(status)


class OpcUaControllerSession:
    """One client session to one lighting controller; `run()` until cancelled."""

    def __init__(
        self,
        *,
        controller_device_id: str,
        endpoint_url: str,
        luminaires: list[str],
        on_reading: Callable[[OpcUaReading], Awaitable[None]],
        browse_path_template: str = "",
        watchdog_s: float = 60.0,
        namespace_uri: str = NAMESPACE_URI,
        publishing_interval_ms: float = 500.0,
        request_timeout_s: float = 5.0,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.controller_device_id = controller_device_id
        self.endpoint_url = endpoint_url
        self.luminaires = list(dict.fromkeys(luminaires))
        self._luminaire_ids = frozenset(self.luminaires)
        self.on_reading = on_reading
        self.browse_path_template = browse_path_template or DEFAULT_BROWSE_PATH
        self.watchdog_s = watchdog_s
        self.namespace_uri = namespace_uri
        self.publishing_interval_ms = publishing_interval_ms
        self.request_timeout_s = request_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.on_connected = on_connected  # e.g. the gateway's nudge: commands waited for this

        self.connected = False
        self.missing: set[str] = set()  # luminaires the server did not have at the last connect
        self.last_error = ""  # why the last connection attempt failed or was lost ("" connected)
        # Counters, for the gateway's metrics and for tests.
        self.connects = 0
        self.watchdog_trips = 0
        self.readings_delivered = 0

        self._client: Client | None = None
        self._dim_nodes: dict[str, Node] = {}
        self._watched: dict[ua.NodeId, tuple[str, str]] = {}  # node → (device_id, field)
        self._heartbeat = ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime)
        self._latest: dict[str, dict[str, Any]] = {}
        self._queue: asyncio.Queue[tuple[str, str, Any, datetime]] = asyncio.Queue()
        self._last_heard = time.monotonic()
        self._lost = asyncio.Event()

    def __repr__(self) -> str:
        return f"<OpcUaControllerSession {self.controller_device_id} {self.endpoint_url}>"

    # --- the connection loop ---------------------------------------------------------------

    async def run(self) -> None:
        delay = self.backoff_initial_s
        while True:
            connects = self.connects
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except _Silent:
                self.last_error = f"subscription silent for {self.watchdog_s:.0f} s"
                log.warning(
                    "OPC-UA %s: subscription silent for %.0f s, reconnecting",
                    self.controller_device_id,
                    self.watchdog_s,
                )
            except Exception as exc:
                self.last_error = str(exc) or exc.__class__.__name__
                log.warning(
                    "OPC-UA %s: connection to %s failed or lost (%s), retrying in %.1f s",
                    self.controller_device_id,
                    self.endpoint_url,
                    exc.__class__.__name__ if not str(exc) else exc,
                    delay,
                )
            finally:
                self.connected = False
                self._client = None
            if self.connects > connects:
                delay = self.backoff_initial_s  # it had connected: start the backoff over
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
            delay = min(delay * 2, self.backoff_max_s)

    async def _session(self) -> None:
        client = Client(
            self.endpoint_url,
            timeout=self.request_timeout_s,
            watchdog_intervall=max(0.5, min(5.0, self.watchdog_s / 2)),
        )
        client.session_timeout = max(30_000, int(self.watchdog_s * 4 * 1000))

        async def lost(exc: Exception) -> None:
            self._lost.set()

        client.connection_lost_callback = lost
        self._lost = asyncio.Event()
        self._queue = asyncio.Queue()
        async with client:
            ns = await client.get_namespace_index(self.namespace_uri)
            found = await self._resolve(client, ns)
            subscription = await client.create_subscription(self._parameters(), _Handler(self))
            nodes = [client.get_node(self._heartbeat)]
            nodes += [client.get_node(node_id) for node_id in found]
            for start in range(0, len(nodes), 1000):
                await subscription.subscribe_data_change(nodes[start : start + 1000])
            self._client = client
            self._last_heard = time.monotonic()
            self.connected = True
            self.connects += 1
            self.last_error = ""
            if self.on_connected is not None:
                self.on_connected()
            log.info(
                "OPC-UA %s: connected to %s, %d luminaires (%d missing)",
                self.controller_device_id,
                self.endpoint_url,
                len(self._dim_nodes),
                len(self.missing),
            )
            for device_id in sorted(self.missing):
                await self._deliver(
                    OpcUaReading(device_id, datetime.now(UTC), None, None, UNKNOWN_STATUS)
                )
            pump = asyncio.create_task(self._pump(), name=f"opcua-pump:{self.controller_device_id}")
            try:
                await self._watch(client)
            finally:
                self.connected = False
                self._client = None
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump

    def _parameters(self) -> ua.CreateSubscriptionParameters:
        params = ua.CreateSubscriptionParameters()
        params.RequestedPublishingInterval = self.publishing_interval_ms
        # Keep-alives are a fallback only (the heartbeat node changes every second); asyncua's
        # own stale check (1.5 keep-alive periods) must not pre-empt the watchdog.
        keepalive = max(1, math.ceil(self.watchdog_s * 1000 / self.publishing_interval_ms))
        params.RequestedMaxKeepAliveCount = keepalive
        params.RequestedLifetimeCount = keepalive * 4
        params.MaxNotificationsPerPublish = 10_000
        params.PublishingEnabled = True
        params.Priority = 0
        return params

    async def _resolve(self, client: Client, ns: int) -> list[ua.NodeId]:
        """Finds every luminaire's variables in one TranslateBrowsePaths call per 1,000 paths;
        returns the node ids to watch and fills the DimLevel map."""
        self._dim_nodes = {}
        self._watched = {}
        self.missing = set()
        wanted: list[tuple[str, str, ua.BrowsePath]] = []
        root = ua.NodeId(ua.ObjectIds.ObjectsFolder)
        for device_id in self.luminaires:
            names = parse_browse_path(self.browse_path_template, ns=ns, device_id=device_id)
            var_ns = names[-1].NamespaceIndex if names else ns
            for variable in ("DimLevel", *WATCHED):
                path = ua.BrowsePath()
                path.StartingNode = root
                path.RelativePath = relative_path([*names, ua.QualifiedName(variable, var_ns)])
                wanted.append((device_id, variable, path))
        results: list[ua.BrowsePathResult] = []
        for start in range(0, len(wanted), 1000):
            batch = [path for _d, _v, path in wanted[start : start + 1000]]
            results += await client.uaclient.translate_browsepaths_to_nodeids(batch)
        watch: list[ua.NodeId] = []
        for (device_id, variable, _path), result in zip(wanted, results, strict=True):
            if not result.StatusCode.is_good() or not result.Targets:
                if device_id not in self.missing:
                    log.warning(
                        "OPC-UA %s: luminaire %s has no %s at %s on %s",
                        self.controller_device_id,
                        device_id,
                        variable,
                        self.browse_path_template,
                        self.endpoint_url,
                    )
                self.missing.add(device_id)
                continue
            target = result.Targets[0].TargetId
            node_id = ua.NodeId(target.Identifier, target.NamespaceIndex, target.NodeIdType)
            if variable == "DimLevel":
                self._dim_nodes[device_id] = client.get_node(node_id)
            else:
                self._watched[node_id] = (device_id, WATCHED[variable])
                watch.append(node_id)
        # A luminaire with any variable missing is missing as a whole.
        for device_id in self.missing:
            self._dim_nodes.pop(device_id, None)
        watch = [n for n in watch if self._watched[n][0] not in self.missing]
        return watch

    async def _watch(self, client: Client) -> None:
        """Returns never; raises when the connection is lost or the subscription is silent."""
        tick = max(0.05, min(1.0, self.watchdog_s / 4))
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), tick)
            if self._lost.is_set() or client.state is not UaClientState.CONNECTED:
                raise ConnectionError("connection lost")
            if time.monotonic() - self._last_heard > self.watchdog_s:
                self.watchdog_trips += 1
                raise _Silent()

    # --- notifications -----------------------------------------------------------------------

    def _notified(self, node: Node, val: Any, data: Any) -> None:
        self._last_heard = time.monotonic()
        target = self._watched.get(node.nodeid)
        if target is None:
            return  # the heartbeat
        value = data.monitored_item.Value
        ts = value.SourceTimestamp or value.ServerTimestamp or datetime.now(UTC)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        if value.StatusCode is not None and not value.StatusCode.is_good():
            val = None
        self._queue.put_nowait((target[0], target[1], val, ts))

    def _status_changed(self, status: Any) -> None:
        log.info("OPC-UA %s: subscription status %s", self.controller_device_id, status.Status)
        self._lost.set()

    async def _pump(self) -> None:
        """Folds the queued changes into one reading per luminaire and delivers them."""
        while True:
            first = await self._queue.get()
            await asyncio.sleep(0)  # let the rest of the same publish response arrive
            changes = [first]
            while not self._queue.empty():
                changes.append(self._queue.get_nowait())
            touched: dict[str, datetime] = {}
            for device_id, field_name, value, ts in changes:
                latest = self._latest.setdefault(device_id, {})
                if field_name == "status":
                    latest[field_name] = None if value is None else str(value)
                else:
                    latest[field_name] = None if value is None else float(value)
                touched[device_id] = max(ts, touched.get(device_id, ts))
            for device_id, ts in touched.items():
                latest = self._latest[device_id]
                await self._deliver(
                    OpcUaReading(
                        device_id=device_id,
                        ts=ts,
                        actual_level=latest.get("actual_level"),
                        power_w=latest.get("power_w"),
                        status=latest.get("status"),
                    )
                )

    async def _deliver(self, reading: OpcUaReading) -> None:
        try:
            await self.on_reading(reading)
            self.readings_delivered += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("OPC-UA %s: on_reading failed for %s", self.controller_device_id, reading)

    # --- commands ----------------------------------------------------------------------------

    def serves(self, device_id: str) -> bool:
        """Whether this session was started with the luminaire (the registry may have put it on
        the controller since; the session is then restarted with it)."""
        return device_id in self._luminaire_ids

    async def write_level(self, device_id: str, level: float) -> None:
        client = self._client
        if not self.connected or client is None:
            raise OpcUaWriteError(f"controller {self.controller_device_id} is not connected")
        node = self._dim_nodes.get(device_id)
        if node is None:
            raise OpcUaWriteError(
                f"luminaire {device_id} is not on controller {self.controller_device_id}"
            )
        try:
            value = float(level)
        except (TypeError, ValueError) as exc:
            raise OpcUaWriteError(f"level {level!r} is not a number") from exc
        if not 0 <= value <= 100:
            raise OpcUaWriteError(f"level {value} is outside 0-100")
        try:
            await node.write_value(ua.DataValue(ua.Variant(value, ua.VariantType.Double)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise OpcUaWriteError(
                f"writing DimLevel of {device_id} on {self.controller_device_id} failed: {exc}"
            ) from exc
