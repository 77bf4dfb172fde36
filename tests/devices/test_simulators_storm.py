"""The river frontage's simulated gauges: a tide-like wobble that never trips a flood rule, and a
storm that trips the demo's rules and lets them clear (judged by the platform's own pure rule
code, emergency/thresholds.py); the gauges in the registry city and in `manage.py simulate`."""

import io
import json
import random
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from devices.choices import AssetKind
from devices.models import Asset, SensorDetails
from devices.simulators.city import city_from_registry
from devices.simulators.river import STORM_RISE_S, rain_mm_h, river_level_cm
from devices.simulators.sensors import SensorReadings
from devices.simulators.specs import SensorSpec, SimOptions
from emergency.demo import FLOOD_RULES, thresholds_if_missing
from emergency.models import ThresholdRule
from emergency.thresholds import Rule, State, judge
from tests.devices.gateway_helpers import schema_validate
from tests.devices.test_simulators_city import MQTT_URL, Watcher

START = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
RULES = {
    r["name"]: Rule(r["kind"], r["level"], r["clear_level"], r["for_s"], r.get("window_min", 30))
    for r in FLOOD_RULES
}


def gauge_samples(device_id, *, minutes, storm_at=None, every_s=30):
    rng = random.Random(3)
    times = [START + timedelta(seconds=s) for s in range(0, minutes * 60 + 1, every_s)]
    return [(t, river_level_cm(device_id, t, storm_at=storm_at, rng=rng)) for t in times]


@pytest.mark.parametrize("device_id", ["FG-001", "FG-002", "FG-003"])
def test_a_day_of_tides_never_trips_a_flood_rule(device_id):
    samples = gauge_samples(device_id, minutes=24 * 60, every_s=60)
    levels = [v for _t, v in samples]
    assert 8 <= max(levels) - min(levels) <= 14  # the tide's swing, ±6 cm and a little noise
    for name, rule in RULES.items():
        assert judge(rule, samples, State()).changes == [], name


@pytest.mark.parametrize("device_id", ["FG-001", "FG-002", "FG-003"])
def test_a_storm_raises_each_flood_rule_once_and_both_clear_as_the_river_falls(device_id):
    storm_at = START + timedelta(minutes=10)
    samples = gauge_samples(device_id, minutes=70, storm_at=storm_at)
    before = max(v for t, v in samples if t < storm_at)
    assert max(v for _t, v in samples) - before >= 35  # the storm lifts the river 45 cm

    rising = judge(RULES["River frontage: rising fast"], samples, State())
    raised, cleared = rising.changes
    assert raised.raised and raised.rise >= 20
    # it fires while the river is still rising, well within 30 minutes of the storm
    assert storm_at < raised.ts <= storm_at + timedelta(seconds=STORM_RISE_S)
    assert not cleared.raised and cleared.rise < 10  # hysteresis: under the clear level, not 20

    high = judge(RULES["River frontage: high water"], samples, State())
    raised, cleared = high.changes
    assert raised.value >= 150 and not cleared.raised
    assert cleared.value < 140 and cleared.ts < storm_at + timedelta(minutes=45)
    assert not rising.state.raised and not high.state.raised  # the river is back to normal


def test_the_rain_gauge_is_dry_until_the_storm_pours():
    rng = random.Random(1)
    storm_at = START + timedelta(minutes=5)
    assert rain_mm_h(START, storm_at=None, rng=rng) == 0
    assert rain_mm_h(START, storm_at=storm_at, rng=rng) == 0
    assert rain_mm_h(storm_at + timedelta(minutes=12), storm_at=storm_at, rng=rng) >= 20
    assert rain_mm_h(storm_at + timedelta(hours=1), storm_at=storm_at, rng=rng) == 0


def test_readings_follow_the_clock_and_the_storm_starts_after_its_delay():
    now = [START]
    readings = SensorReadings(
        SimOptions(storm_after_s=600, clock=lambda: now[0]),
        random.Random(2),
    )
    gauge = SensorSpec("FG-001", "flood_level")
    first = readings.reading(gauge)
    assert first["ts"] == START.isoformat(timespec="milliseconds")
    assert readings.storm_at == START + timedelta(minutes=10)
    now[0] = START + timedelta(minutes=25)  # the storm's peak
    assert readings.reading(gauge)["level_cm"] >= first["level_cm"] + 35
    assert readings.reading(SensorSpec("RG-001", "rainfall"))["rain_mm_h"] > 0


@pytest.mark.django_db
def test_the_registry_city_simulates_river_and_rain_gauges():
    for device_id, measures in (
        ("FG-9", "flood_level"),
        ("RG-9", "rainfall"),
        ("FF-9", "footfall"),
    ):
        asset = Asset.objects.create(
            device_id=device_id, kind=AssetKind.SENSOR, latitude=51.5097, longitude=-0.0945
        )
        SensorDetails.objects.create(asset=asset, measures=measures)
    city = city_from_registry()
    assert [(s.device_id, s.measures) for s in city.sensors] == [
        ("FG-9", "flood_level"),
        ("RG-9", "rainfall"),
    ]


@pytest.mark.django_db
def test_the_demo_flood_rules_are_created_once():
    first, second = io.StringIO(), io.StringIO()
    thresholds_if_missing(stdout=first)
    thresholds_if_missing(stdout=second)
    assert "2 flood threshold rules created" in first.getvalue() and not second.getvalue()
    rules = ThresholdRule.objects.filter(measures="flood_level", metric="level_cm")
    assert sorted(rules.values_list("kind", flat=True)) == ["above", "rise"]


def test_simulate_runs_a_storm_on_made_up_gauges(capsys):
    prefix = f"test-sims/{uuid.uuid4().hex[:12]}"
    watcher = Watcher(f"{prefix}/#")
    try:
        call_command(
            "simulate",
            "--gauges=2",
            "--storm-after=0",
            "--sensor-interval=0.3",
            f"--prefix={prefix}",
            f"--broker={MQTT_URL}",
            "--duration=2",
        )
    finally:
        watcher.close()
    assert "A storm raises the river in 0 s." in capsys.readouterr().out
    readings = [json.loads(p) for t, p in watcher.messages if t.endswith("SIM-FG-002/telemetry")]
    for reading in readings:
        schema_validate("telemetry", reading)  # the contract's telemetry, docs/schemas
    assert readings and all(100 < r["level_cm"] < 170 for r in readings)


def test_simulate_refuses_a_storm_in_the_past():
    with pytest.raises(CommandError):
        call_command("simulate", "--gauges=1", "--storm-after=-5", "--duration=1")


def test_the_demo_beat_runs_every_scheduled_task_so_the_storm_is_judged():
    """In a fresh process (as `make demo` starts), every task of the beat schedule is one the beat
    can run, the threshold judge among them: a task module nothing imported was skipped."""
    script = (
        "import django; django.setup()\n"
        "from cityplatform.celery import app\n"
        "from cityplatform.embedded import beat_entries\n"
        "tasks = [e.task for e in beat_entries()]\n"
        "assert 'emergency.tasks.thresholds_judge' in tasks\n"
        "print([t for t in tasks if t not in app.tasks])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
