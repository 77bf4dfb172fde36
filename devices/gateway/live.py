"""Live coalescing: the reported state changes of each stored batch go out as `light.state` and
`device.status`, the latest per device, at most `live_max_per_flush` every `live_interval_s`,
so that 10,000 messages a second do not become 10,000 WebSocket messages a second.

Sent through `cityplatform.live.live_publish_batch_soon`, the platform's batch fan-out.
"""

import threading

from cityplatform.live import build_message, live_publish_batch_soon, topic_group
from devices.choices import AssetKind
from devices.gateway.known import KnownDeviceCache
from devices.live import DeviceStatus, LightState
from devices.services.telemetry import StateChange

SCHEMAS = {"light.state": LightState, "device.status": DeviceStatus}


class LiveCoalescer:
    def __init__(
        self,
        *,
        known: KnownDeviceCache,
        stop_event: threading.Event,
        interval_s: float,
        max_per_flush: int,
    ):
        self.known = known
        self.stop_event = stop_event
        self.interval_s = interval_s
        self.max_per_flush = max_per_flush
        # key (device id, or device id + "\0status") → (kind, fields, topics): the latest wins.
        self._pending: dict[str, tuple[str, dict, list[str]]] = {}
        self._lock = threading.Lock()

    def queue(self, changes: list[StateChange]) -> None:
        """Keeps the latest state of each changed device until the next flush (writers call it
        after their batch is committed)."""
        if not changes:
            return
        with self._lock:
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
                    self._pending[change.device_id] = ("light.state", fields, topics)
                if change.came_online:
                    fields = {
                        "device_id": change.device_id,
                        "kind": known.kind,
                        "online": True,
                        "zone_id": known.zone_id,
                    }
                    self._pending[change.device_id + "\0status"] = (
                        "device.status",
                        fields,
                        topics,
                    )

    def run(self) -> None:
        """The live publisher thread's loop, until the gateway stops."""
        while not self.stop_event.wait(self.interval_s):
            with self._lock:
                if not self._pending:
                    continue
                keys = list(self._pending)[: self.max_per_flush]
                taken = [self._pending.pop(key) for key in keys]
            by_kind: dict[str, list] = {}
            for kind, fields, topics in taken:
                message = build_message(kind, SCHEMAS[kind](**fields)).model_dump(mode="json")
                by_kind.setdefault(kind, []).append((message, [topic_group(t) for t in topics]))
            for kind, payloads in by_kind.items():
                live_publish_batch_soon(kind, payloads)
