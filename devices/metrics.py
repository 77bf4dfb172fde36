"""Prometheus metrics of the device gateway (served by the process's /metrics endpoint or, for
`run_gateway --metrics-port`, its own)."""

from prometheus_client import Counter, Gauge, Histogram

# Per topic kind (telemetry, status, event, ack, frigate, other; opcua for controller readings,
# gateway_status for the gateways' own): in = stored + rejected, every message counted once.
MESSAGES_IN = Counter("city_gateway_messages_in_total", "Device messages received", ["kind"])
MESSAGES_STORED = Counter(
    "city_gateway_messages_stored_total", "Device messages stored and acknowledged", ["kind"]
)
MESSAGES_REJECTED = Counter(
    "city_gateway_messages_rejected_total",
    "Device messages refused and kept as rejected messages",
    ["kind", "reason"],
)
BATCHES_SPLIT = Counter(
    "city_gateway_batches_split_total",
    "Batches that failed to store and were stored one by one (a bad message should fail at parse)",
)
DUPLICATES = Counter(
    "city_gateway_duplicates_total", "Redelivered samples absorbed (same device and timestamp)"
)
COMMANDS_SENT = Counter("city_gateway_commands_sent_total", "Commands sent", ["protocol"])
COMMANDS_COMPLETED = Counter(
    "city_gateway_commands_completed_total", "Commands completed by ack or read-back", ["state"]
)
BATCH_SIZE = Histogram(
    "city_gateway_batch_size",
    "Messages per stored batch",
    buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000),
)
BATCH_SECONDS = Histogram(
    "city_gateway_batch_seconds",
    "Time to store one batch",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LAG_SECONDS = Gauge(
    "city_gateway_lag_seconds", "Age of the oldest message of the last batch when it was acked"
)
QUEUE_DEPTH = Gauge("city_gateway_queue_depth", "Messages received and not yet stored")
CONNECTED = Gauge("city_gateway_mqtt_connected", "1 while the MQTT connection is up")
OPCUA_SESSIONS = Gauge("city_gateway_opcua_sessions", "OPC-UA controller sessions connected")
KNOWN_DEVICES = Gauge("city_gateway_known_devices", "Devices in the gateway's registry")
