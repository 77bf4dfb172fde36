"""What the gateway counts: messages in = stored + rejected, per topic kind, in the Prometheus
metrics and in `GatewayStats` (what `run_gateway` prints at exit and the tests read)."""

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from devices import metrics

# Counted in the metrics, not in the stats: the gateway's own status, and OPC-UA readings.
NOT_DEVICE_MESSAGES = ("gateway_status", "opcua")


@dataclass
class GatewayStats:
    """Device messages (MQTT; not the gateway's own status) received = stored + rejected, in
    total and per topic kind; set aside = rejected because storing failed, after a split.
    Two writers and the dispatcher add to it: through `count` and `add`, under its lock."""

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
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, count: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + count)

    def count(self, outcomes: Iterable[tuple[str, str | None]]) -> None:
        """Counts messages in, each stored (reason None) or rejected (its reason code), per
        topic kind: in = stored + rejected, in the metrics and in the stats alike."""
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
        for name in NOT_DEVICE_MESSAGES:
            received.pop(name, None)
            stored.pop(name, None)
        with self._lock:
            self.received += received.total()
            self.stored += stored.total()
            self.rejected += received.total() - stored.total()
            self.received_by_kind.update(received)
            self.stored_by_kind.update(stored)
            for (kind, _), count in refused.items():
                if kind not in NOT_DEVICE_MESSAGES:
                    self.rejected_by_kind[kind] += count
