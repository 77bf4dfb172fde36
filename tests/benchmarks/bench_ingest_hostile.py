"""Gateway ingest with 2 % hostile messages, as a ratio to clean traffic in the same run (issue
#14, item 2: with 2 % of messages nested 400-900 deep, each failed its whole batch, which was then
stored one by one: 4,293 → 195 msg/s).

Method as bench_ingest's: N QoS 1 telemetry messages wait in the gateway's persistent session on
a private Mosquitto, then one `manage.py run_gateway` process drains them; rate = messages handled
(stored and rejected) per second from the first stored row to the last. The clean backlog and the
hostile one (every 50th message replaced by JSON nested 400-900 deep on the same topics) are
drained in the same run by the same code: clean, hostile, clean again (the clean figure is the
mean of the two, so that drift over the run, a table growing, weighs on both sides).

Run alone: `DATABASE_URL=… python -m tests.benchmarks._mqtt_bench bench_ingest_hostile [--quick]`
or `python -m tests.benchmarks --only ingest_hostile [--quick]`.
"""

import random
import uuid

from django.db.models import Sum

from devices.models import RejectedMessage, Telemetry
from tests.benchmarks._mqtt_bench import private_broker
from tests.benchmarks.bench_ingest import _cleanup, _cleanup_samples, _devices, _ingest, _messages

HOSTILE_EVERY = 50  # 2 %


def _hostile(messages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    rng = random.Random(14)
    out = []
    for n, (topic, payload) in enumerate(messages):
        if n % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            depth = rng.randint(400, 900)
            payload = b"[" * depth + b"]" * depth
        out.append((topic, payload))
    return out


def run(*, quick: bool) -> list[dict]:
    devices = 2_000 if quick else 10_000
    total = 20_000 if quick else 100_000
    prefix_id = f"BH{uuid.uuid4().hex[:4]}-"
    try:
        _devices(devices, prefix_id)
        device_ids = [f"{prefix_id}{n:06d}" for n in range(devices)]
        with private_broker() as (mqtt_url, broker):
            clean_rates, lost = [], 0
            for run_index in range(3):  # clean, hostile, clean: the same drift on both sides
                prefix = f"bench/{uuid.uuid4().hex[:8]}"
                messages = _messages(prefix, device_ids, total)
                if run_index == 1:
                    messages = _hostile(messages)
                valid = sum(1 for _, p in messages if not p.startswith(b"["))
                before = Telemetry.objects.count()
                rate, _, _ = _ingest(mqtt_url, messages, prefix, valid, 1)
                stored = Telemetry.objects.count() - before
                lost += valid - stored
                if run_index == 1:
                    hostile_rate = rate * total / valid  # the rejected are drained in the stream
                    hostile_stored, hostile_valid = stored, valid
                    rejected = (
                        RejectedMessage.objects.filter(topic__startswith=prefix).aggregate(
                            n=Sum("count")
                        )["n"]
                        or 0
                    )
                else:
                    clean_rates.append(rate)
                _cleanup_samples(prefix_id)
        clean_rate = sum(clean_rates) / len(clean_rates)
    finally:
        _cleanup(prefix_id)
    ratio = hostile_rate / clean_rate if clean_rate else 0.0
    return [
        {
            "name": f"gateway ingest, clean ({total:,} QoS 1 msgs, one process, {broker}; "
            f"mean of the runs before and after: {', '.join(f'{r:,.0f}' for r in clean_rates)})",
            "value": round(clean_rate),
            "unit": "msg/s",
            "goal": "reference (same run)",
            "ok": lost == 0,
            "peer": None,
        },
        {
            "name": f"gateway ingest, 2 % nested 400-900 deep "
            f"({total - hostile_valid:,} of {total:,})",
            "value": round(hostile_rate),
            "unit": "msg/s",
            "goal": "reference (same run)",
            "ok": hostile_stored == hostile_valid and rejected == total - hostile_valid,
            "peer": None,
        },
        {
            "name": "gateway ingest with 2 % hostile / clean (same run)",
            "value": round(ratio, 2),
            "unit": "ratio",
            "goal": ">= 0.9 (issue #14: 195 / 4,293 = 0.05 before)",
            "ok": ratio >= 0.9,
            "peer": None,
        },
        {
            "name": "hostile run: messages rejected (nested too deep)",
            "value": rejected,
            "unit": "messages",
            "goal": f"{total - hostile_valid:,}",
            "ok": rejected == total - hostile_valid,
            "peer": None,
        },
        {
            "name": "messages lost (both runs)",
            "value": lost,
            "unit": "messages",
            "goal": "0",
            "ok": lost == 0,
            "peer": None,
        },
    ]
