"""Lighting control at city scale: the bulk resolver, a dusk reconcile, a zone boost, the alert
path's small override. `run(quick=...)` is called with Django set up on an empty database.

    DATABASE_URL=… REDIS_URL=… python -m tests.benchmarks --only lighting
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

FULL_LIGHTS = 100_000
QUICK_LIGHTS = 5_000
ZONE_SIZE = 2_000
DUSK = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # the City of London: sunset ≈ 16:05 UTC
AFTERNOON = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
STEPS = [
    {"trigger": "sunset", "level": 100},
    {"trigger": "time", "time": "23:00", "level": 60},
    {"trigger": "time", "time": "01:00", "level": 30},
    {"trigger": "time", "time": "05:30", "level": 100},
    {"trigger": "sunrise", "level": 0},
]


def _figure(name, value, unit, goal="", ok=None, peer=None) -> dict:
    return {"name": name, "value": float(value), "unit": unit, "goal": goal, "ok": ok, "peer": peer}


def _city(n: int):
    """n lights in zones of ZONE_SIZE under one city zone, a calendar on the city."""
    from devices.choices import AssetKind
    from devices.models import Asset, AssetState, StreetlightDetails, Zone
    from lighting.models import Calendar, CalendarAssignment, Programme

    rng = random.Random(42)
    city = Zone.objects.create(name="Bench city")
    zones = [
        Zone.objects.create(name=f"Bench ward {i}", parent=city, min_level=10)
        for i in range(max(1, n // ZONE_SIZE))
    ]
    assets = []
    for i in range(n):
        assets.append(
            Asset(
                device_id=f"BENCH-{i:06d}",
                kind=AssetKind.STREETLIGHT,
                latitude=51.30 + rng.random() * 0.4,  # ~45 km × 55 km around London
                longitude=-0.50 + rng.random() * 0.8,
                zone=zones[i % len(zones)],
            )
        )
    Asset.objects.bulk_create(assets, batch_size=5000)
    ids = list(Asset.objects.filter(device_id__startswith="BENCH-").values_list("pk", flat=True))
    StreetlightDetails.objects.bulk_create(
        [StreetlightDetails(asset_id=pk) for pk in ids], batch_size=5000
    )
    AssetState.objects.bulk_create(
        [
            AssetState(asset_id=pk, online=True, level=0, desired_level=0, desired_since=AFTERNOON)
            for pk in ids
        ],
        batch_size=5000,
    )
    programme = Programme.objects.create(name="Bench residential", steps=STEPS)
    calendar = Calendar.objects.create(name="Bench calendar", default_programme=programme)
    CalendarAssignment.objects.create(calendar=calendar, zone=city)
    return city, zones, ids


def _zone_boost_published(zone) -> tuple[float, float, int, int]:
    """A `max` 100 % boost of `zone` with a gateway (`run_gateway`) on a private Mosquitto and a
    subscriber standing in for the lamps: (seconds until override_create returned, seconds
    until the last of its commands was received on MQTT, commands received, commands issued)."""
    import json
    import uuid

    import paho.mqtt.client as paho
    from django.utils import timezone

    from devices.models import Asset, Command
    from lighting.models import Calendar, CalendarAssignment, Programme
    from lighting.services.overrides import OverrideScope, override_create
    from lighting.services.reconcile import reconcile_lights
    from tests.benchmarks._mqtt_bench import client, private_broker, start_gateway

    # The gateway sends only commands that have not expired by the clock, so this boost runs
    # at the real instant; the zone gets a constant 30 % programme so that the `max` 100 %
    # boost changes every light whatever the time of day.
    dim = Programme.objects.create(
        name="Bench dim", steps=[{"trigger": "time", "time": "00:00", "level": 30}]
    )
    calendar = Calendar.objects.create(name="Bench dim calendar", default_programme=dim)
    CalendarAssignment.objects.create(calendar=calendar, zone=zone)
    at = timezone.now()
    ids = list(Asset.objects.filter(zone=zone).values_list("pk", flat=True))
    reconcile_lights(light_ids=ids, now=at)
    Command.objects.filter(state__in=["queued", "sent"]).update(state="succeeded", completed_at=at)
    wanted = set(Asset.objects.filter(zone=zone).values_list("device_id", flat=True))
    prefix = f"bench/{uuid.uuid4().hex[:8]}"
    with private_broker() as (mqtt_url, _note):
        gateway = start_gateway(mqtt_url, prefix, f"bench-light-{uuid.uuid4().hex[:6]}")
        received = {"n": 0, "last": 0.0}

        def on_cmd(_c, _userdata, message):
            if message.topic.split("/")[-2] in wanted and json.loads(message.payload)["level"]:
                received["n"] += 1
                received["last"] = time.perf_counter()

        lamps = client(mqtt_url)
        lamps.on_message = on_cmd
        lamps.loop_start()
        lamps.subscribe([(f"{prefix}/+/cmd", paho.SubscribeOptions(qos=1))])
        up = {"ok": False}
        birth = client(mqtt_url)
        birth.on_message = lambda _c, _u, m: up.update(ok=m.payload == b"online")
        birth.loop_start()
        birth.subscribe(f"{prefix}/_gateway/status", qos=1)
        try:
            deadline = time.monotonic() + 60
            while not up["ok"] and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2.0)  # the gateway's first sweep (nothing is due) is over
            at = timezone.now()
            started = time.perf_counter()
            override = override_create(
                scope=OverrideScope(zone_id=zone.pk),
                level=100,
                operation="max",
                priority=4,
                expires_at=at + timedelta(minutes=15),
                reason="bench: zone boost",
                actor="bench",
                now=at,
            )
            queued = time.perf_counter() - started
            deadline = time.monotonic() + 60
            while received["n"] < len(wanted) and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            lamps.loop_stop()
            birth.loop_stop()
            gateway.terminate()
            gateway.wait(30)
    published = received["last"] - started if received["n"] else float("inf")
    boosted = Command.objects.filter(context__override_id=override.pk).count()
    return queued, published, received["n"], boosted


def _cleanup() -> None:
    from devices.models import Asset, Command, Zone
    from lighting.models import Calendar, CalendarAssignment, Override, Programme

    Override.objects.filter(reason__startswith="bench:").delete()
    Command.objects.filter(asset__device_id__startswith="BENCH-").delete()
    names = ["Bench calendar", "Bench dim calendar"]
    CalendarAssignment.objects.filter(calendar__name__in=names).delete()
    Calendar.objects.filter(name__in=names).delete()
    Programme.objects.filter(name__in=["Bench residential", "Bench dim"]).delete()
    Asset.objects.filter(device_id__startswith="BENCH-").delete()
    Zone.objects.filter(parent__name="Bench city").delete()
    Zone.objects.filter(name="Bench city").delete()


def run(*, quick: bool) -> list[dict]:
    from devices.models import Asset, Command
    from lighting.core import schedule
    from lighting.services.overrides import OverrideScope, override_create
    from lighting.services.reconcile import reconcile_lights
    from lighting.services.resolver import levels_resolve

    n = QUICK_LIGHTS if quick else FULL_LIGHTS
    results = []
    _cleanup()
    try:
        _city_zone, zones, _ids = _city(n)

        # 1. The bulk resolver: all lights at one instant (cold sun-time cache, then warm).
        schedule.sun_times.cache_clear()
        started = time.perf_counter()
        levels = levels_resolve(at=DUSK)
        cold = time.perf_counter() - started
        assert len(levels) == n and {r.level for r in levels.values()} == {100.0}
        started = time.perf_counter()
        levels_resolve(at=DUSK + timedelta(seconds=30))
        warm = time.perf_counter() - started
        results.append(
            _figure(
                f"resolve desired levels, {n:,} lights (cold)",
                cold,
                "s",
                goal="< 2 s for 100,000",
                ok=cold < 2 * n / FULL_LIGHTS if not quick else None,
            )
        )
        results.append(_figure(f"resolve desired levels, {n:,} lights (warm)", warm, "s"))

        # 2. Dusk: every light goes from 0 to 100 %: one command each.
        started = time.perf_counter()
        result = reconcile_lights(now=DUSK)
        dusk = time.perf_counter() - started
        assert result.changed == n, result
        results.append(
            _figure(
                f"dusk reconcile, {n:,} lights all changing (commands issued)",
                dusk,
                "s",
                goal="< 10 s for 100,000",
                ok=dusk < 10 * n / FULL_LIGHTS if not quick else None,
            )
        )
        results.append(_figure("dusk reconcile rate", n / dusk, "commands/s"))

        # 3. The next run changes nothing.
        started = time.perf_counter()
        again = reconcile_lights(now=DUSK + timedelta(seconds=30))
        idle = time.perf_counter() - started
        assert again.issued == 0, again
        results.append(
            _figure(
                f"steady reconcile, {n:,} lights, nothing to do",
                idle,
                "s",
                goal="0 commands; within the 30 s beat",
                ok=idle < 30,
            )
        )

        # 4. A zone boost at 23:30 (programme 60 %): 2,000 lights commanded before it returns.
        # The gateway carried out the dusk commands long ago.
        Command.objects.filter(state__in=["queued", "sent"]).update(state="succeeded")
        at = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
        reconcile_lights(now=at)
        # the 23:00 step's commands were carried out long before the alarm
        Command.objects.filter(state__in=["queued", "sent"]).update(
            state="succeeded", completed_at=at
        )
        zone = zones[0]
        boost, published, received, boosted = _zone_boost_published(zone)
        results.append(
            _figure(
                f"zone boost, {boosted:,} lights commanded (override created → commands queued)",
                boost,
                "s",
                goal="< 1 s for 2,000",
                ok=boost < 1 if boosted >= ZONE_SIZE else None,
            )
        )
        results.append(
            _figure(
                f"zone boost, {received:,} of {boosted:,} commands published by the gateway "
                "(override created → last cmd received on MQTT)",
                published,
                "s",
                goal="< 1 s for 2,000",
                ok=published < 1 and received >= boosted if boosted >= ZONE_SIZE else None,
            )
        )

        # 5. The alert path: a 150 m radius boost around a point (a handful of lights), at a
        # light's position: an override of no lights is refused (issue #19, item 5).
        rng = random.Random(7)
        positions = list(
            Asset.objects.filter(device_id__startswith="BENCH-").values_list(
                "latitude", "longitude"
            )
        )
        timings = []
        for i in range(20):
            lat, lon = rng.choice(positions)
            started = time.perf_counter()
            override_create(
                scope=OverrideScope(point=(lat, lon), radius_m=150),
                level=100,
                operation="max",
                priority=4,
                expires_at=at + timedelta(minutes=5),
                reason="bench: alert",
                actor="bench",
                alarm_id=i,
                now=at,
            )
            timings.append(time.perf_counter() - started)
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        results.append(
            _figure(
                "alert boost, 150 m radius (override → commands queued), p95",
                p95 * 1000,
                "ms",
                goal="well under 100 ms event → command",
                ok=p95 < 0.1,
            )
        )
        results.append(
            _figure("alert boost, 150 m radius, median", statistics.median(timings) * 1000, "ms")
        )
    finally:
        _cleanup()
    return results
