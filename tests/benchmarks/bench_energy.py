"""Energy at city scale: the energy page's night (every light, rolled up the zone tree), its
month (a report a day) and the BSCP520 file of a day, for a City of London's 12,000 lights
(quick: 2,000) in wards under one city zone, each lamp with a night of level changes.

    DATABASE_URL=… python -m tests.benchmarks --only energy
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from tests.benchmarks.common import figure

FULL_LIGHTS = 12_000
QUICK_LIGHTS = 2_000
WARDS = 25
NIGHT = date(2026, 11, 20)


def _city(n: int) -> int:
    from devices.choices import AssetKind, LevelSource
    from devices.models import Asset, LevelChange, StreetlightDetails, Zone

    city = Zone.objects.create(name="Bench city")
    wards = [Zone.objects.create(name=f"Bench ward {i}", parent=city) for i in range(WARDS)]
    Asset.objects.bulk_create(
        [
            Asset(
                device_id=f"EN-{i:06d}",
                kind=AssetKind.STREETLIGHT,
                latitude=51.51,
                longitude=-0.09,
                zone=wards[i % WARDS],
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    ids = list(Asset.objects.filter(device_id__startswith="EN-").values_list("pk", flat=True))
    StreetlightDetails.objects.bulk_create(
        [StreetlightDetails(asset_id=pk, rated_power_w=(28, 36, 56)[pk % 3]) for pk in ids],
        batch_size=5000,
    )
    steps = [(16, 100), (23, 60), (1, 30), (7, 0)]
    LevelChange.objects.bulk_create(
        [
            LevelChange(
                asset_id=pk,
                at=datetime(2026, 11, 20 if hour >= 12 else 21, hour, tzinfo=UTC),
                level=level,
                source=LevelSource.ACK,
            )
            for pk in ids
            for hour, level in steps
        ],
        batch_size=5000,
    )
    return city.pk


def run(*, quick: bool = False) -> list[dict]:
    from lighting.services.energy import energy_csv_bscp520, energy_month, energy_report

    n = QUICK_LIGHTS if quick else FULL_LIGHTS
    city = _city(n)
    t0 = time.perf_counter()
    report = energy_report(day=NIGHT, zone_id=city, night=True)
    totals = report.zone_totals()
    night_s = time.perf_counter() - t0
    assert totals[city]["lights"] == n
    t0 = time.perf_counter()
    energy_csv_bscp520(energy_report(day=NIGHT))
    bscp_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    month = energy_month(year=2026, month=11, zone_id=city)
    month_s = time.perf_counter() - t0
    assert month["total"]["has_data"]
    return [
        figure(f"energy night, city of {n:,} lights rolled up", night_s * 1000, "ms"),
        figure(f"BSCP520 file of a day, {n:,} lights", bscp_s * 1000, "ms"),
        figure(f"energy month (30 reports), {n:,} lights", month_s, "s", goal="< 30 s"),
    ]
