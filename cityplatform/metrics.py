"""Prometheus metrics shared by the platform's processes; apps define their own beside these."""

from prometheus_client import Counter, Gauge

TASK_RUNNER_HEARTBEAT = Gauge(
    "city_task_runner_heartbeat_timestamp_seconds", "When the periodic heartbeat task last ran"
)
LIVE_MESSAGES = Counter(
    "city_live_messages_total", "Live messages published to WebSocket groups", ["kind"]
)
AUDIT_ENTRIES = Counter("city_audit_entries_total", "Audit entries written", ["action"])
