"""The alert path's stages and their percentiles, as pure functions (no database). The records
are written and summarised by `cctv.analytics.latency`."""

# (stage, from instant, to instant): fields of an `AlarmLatency` record
LATENCY_STAGES = (
    ("context", "received_at", "context_at"),
    ("rules_to_alarm", "context_at", "raised_at"),
    ("alarm_to_commands", "raised_at", "commands_queued_at"),
    ("stored_to_commands", "received_at", "commands_queued_at"),
    ("stored_to_published", "received_at", "commands_published_at"),
)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile of `values`, linearly interpolated; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)


def stage_summary(rows: list[dict]) -> dict[str, dict]:
    """Per stage: how many records have both instants, and p50/p95/p99 in milliseconds."""
    stages = {}
    for name, start, end in LATENCY_STAGES:
        values = [
            (row[end] - row[start]).total_seconds() * 1000
            for row in rows
            if row[start] is not None and row[end] is not None
        ]
        stages[name] = {
            "count": len(values),
            **{f"p{q}": percentile(values, q) for q in (50, 95, 99)},
        }
    return stages
