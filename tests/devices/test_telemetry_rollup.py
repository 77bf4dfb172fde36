"""The hourly roll-up of telemetry (PostgreSQL): it equals the raw samples' aggregate, a second
run writes nothing, late samples (an old `ts` stored now, or a lower id committed late within
the overlap) are rolled into their hour, and the history read answers a range at the right
resolution."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import Trunc

from devices.models import RollupWatermark, Telemetry, TelemetryHourly
from devices.selectors.history import telemetry_history
from devices.services.rollup import (
    NAME,
    ROLLUP_SQL,
    telemetry_rollup,
    telemetry_rollup_rebuild,
)
from tests.devices.gateway_helpers import make_light

pytestmark = pytest.mark.django_db

METRICS = ["level", "power_w", "energy_wh", "lux", "temp_c"]
START = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def own_watermark():
    """Each test starts the roll-up at the table's end as this transaction sees it, and holds
    the watermark row until it ends: a device process or demo scheduler left by an earlier test
    may store telemetry and run its own roll-up, and its committed watermark (past this test's
    uncommitted ids) would make the roll-up skip them."""
    top = Telemetry.objects.aggregate(top=Max("id"))["top"] or 0
    RollupWatermark.objects.update_or_create(name=NAME, defaults={"last_id": top})


def samples(asset, start, count, step=timedelta(minutes=7), seed=1):
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        values = {m: round(rng.uniform(0, 100), 3) for m in METRICS}
        if i % 5 == 0:
            values["lux"] = None  # a sample may carry only some metrics
        rows.append(Telemetry(asset=asset, ts=start + i * step, **values))
    Telemetry.objects.bulk_create(rows)


def raw_aggregate(assets=None) -> dict:
    """What the roll-up should hold: per asset, metric and UTC hour, from the raw table (of
    `assets` only, when given: a device process of an earlier test may still be storing)."""
    expected = {}
    raw = Telemetry.objects.filter(asset__in=assets) if assets else Telemetry.objects.all()
    hourly = raw.annotate(hour=Trunc("ts", "hour", tzinfo=UTC))
    for metric in METRICS:
        rows = (
            hourly.filter(**{f"{metric}__isnull": False})
            .values("asset_id", "hour")
            .annotate(n=Count(metric), lo=Min(metric), hi=Max(metric), total=Sum(metric))
        )
        for r in rows:
            key = (r["asset_id"], metric, r["hour"])
            expected[key] = (r["n"], r["lo"], r["hi"], round(r["total"], 6))
    return expected


def rolled_up(assets=None) -> dict:
    rows = TelemetryHourly.objects.filter(asset__in=assets) if assets else TelemetryHourly.objects
    return {
        (h.asset_id, h.metric, h.hour): (h.count, h.min, h.max, round(h.sum, 6)) for h in rows.all()
    }


def test_the_rollup_equals_the_raw_aggregate_and_a_second_run_adds_nothing():
    one, two = make_light("SL-R1"), make_light("SL-R2")
    samples(one, START, 300, seed=1)  # 35 hours of a sample every 7 minutes
    samples(two, START + timedelta(minutes=3), 120, step=timedelta(minutes=13), seed=2)

    # Several batches, several transactions; as many as it takes to pass the samples other
    # processes store meanwhile (their ids may come before ours: 50 batches of 100 ids were
    # once not enough to reach this test's own rows).
    first = telemetry_rollup(batch_ids=100, max_batches=1_000_000)
    assert first["batches"] >= 4
    ours = [one, two]
    assert rolled_up(ours) == raw_aggregate(ours)
    assert len(rolled_up(ours)) > 100

    before = rolled_up(ours)
    telemetry_rollup()
    assert rolled_up(ours) == before  # a second run changes nothing
    telemetry_rollup_rebuild()
    assert rolled_up(ours) == before  # from scratch: the same figures


def test_a_late_sample_is_rolled_into_its_old_hour():
    light = make_light("SL-R3")
    samples(light, START, 30)
    telemetry_rollup()
    hour = START + timedelta(hours=1)
    level_before = TelemetryHourly.objects.get(asset=light, metric="level", hour=hour)

    # Stored now, a day after its hour was rolled up: a new id, an old ts.
    Telemetry.objects.create(asset=light, ts=hour + timedelta(minutes=59, seconds=30), level=-5)
    # And one in an hour that had no samples at all.
    Telemetry.objects.create(asset=light, ts=START - timedelta(days=3), level=42, power_w=7)
    telemetry_rollup()

    level = TelemetryHourly.objects.get(asset=light, metric="level", hour=hour)
    assert level.count == level_before.count + 1 and level.min == -5
    assert TelemetryHourly.objects.get(
        asset=light, metric="power_w", hour=START - timedelta(days=3)
    ).sum == pytest.approx(7)
    assert rolled_up([light]) == raw_aggregate([light])


def test_a_sample_committed_late_behind_the_watermark_is_read_by_the_overlap():
    light = make_light("SL-R4")
    samples(light, START, 20)
    telemetry_rollup()
    mark = RollupWatermark.objects.get(name=NAME).last_id
    # A transaction that took id `mark - 3`'s neighbourhood but committed after the run: its
    # id is below the watermark (simulated with an id the sequence has handed out already).
    Telemetry.objects.filter(id=mark - 3).delete()
    telemetry_rollup_rebuild()
    Telemetry.objects.create(id=mark - 3, asset=light, ts=START + timedelta(hours=5), level=99)
    telemetry_rollup(overlap_ids=10)
    assert TelemetryHourly.objects.get(
        asset=light, metric="level", hour=START + timedelta(hours=5)
    ).max == pytest.approx(99)
    assert rolled_up([light]) == raw_aggregate([light])


def test_the_history_answers_each_range_at_its_resolution():
    light = make_light("SL-R5")
    samples(light, START, 40 * 24 * 2, step=timedelta(minutes=30))  # 40 days, two an hour
    telemetry_rollup()

    day = telemetry_history(asset=light, start=START, end=START + timedelta(hours=24))
    assert day["resolution"] == "raw" and len(day["points"]) == 48 and day["samples"] == 48

    week = telemetry_history(asset=light, start=START, end=START + timedelta(days=7))
    assert week["resolution"] == "hour" and len(week["points"]) == 7 * 24
    raw_week = Telemetry.objects.filter(
        asset=light, ts__gte=START, ts__lt=START + timedelta(days=7)
    )
    assert week["samples"] == raw_week.count()
    first_hour = raw_week.filter(ts__lt=START + timedelta(hours=1))
    levels = list(first_hour.values_list("level", flat=True))
    assert week["points"][0]["level"] == pytest.approx(sum(levels) / len(levels))
    assert week["points"][0]["level_max"] == pytest.approx(max(levels))

    months = telemetry_history(asset=light, start=START, end=START + timedelta(days=40))
    assert months["resolution"] == "day" and 40 <= len(months["points"]) <= 41
    assert months["samples"] == Telemetry.objects.filter(asset=light).count()
    all_levels = list(Telemetry.objects.filter(asset=light).values_list("level", flat=True))
    mean = sum(p["level"] * p["n"] for p in months["points"]) / months["samples"]
    assert mean == pytest.approx(sum(all_levels) / len(all_levels))

    empty = telemetry_history(
        asset=light, start=START - timedelta(days=9), end=START - timedelta(days=2)
    )
    assert empty["samples"] == 0 and empty["points"] == []


def test_the_rollup_reads_each_device_hour_by_its_index_range():
    """A plain join let the planner merge on asset_id alone and filter every sample of the
    device (4.9 s an incremental run at 4.3 million rows): each device-hour is one range of
    the (asset_id, ts) index."""
    samples(make_light("SL-R6"), START, 50)
    with connection.cursor() as cursor:
        # Priced as on a big table: no scan of the whole table, no join that is not bound to
        # one device-hour (the LATERAL form can only be a loop over them).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"EXPLAIN {ROLLUP_SQL}", {"low": 0, "high": 10})
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "Merge Join" not in text, text
    assert "Index Cond: ((asset_id = devices_telemetry.asset_id) AND (ts >=" in text, text
