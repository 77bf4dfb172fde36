"""Asset registry at city scale: CSV import of 100,000 assets, the filtered paginated asset list,
and a GeoJSON bounding-box query of 5,000 features (PostgreSQL).

    python -m tests.benchmarks --only registry            # through the runner
    DATABASE_URL=postgres://…/db python -m tests.benchmarks.bench_registry [--quick]

Goals (the asset registry issue): import 100,000 rows < 60 s; asset list (page of 100,
filtered) < 50 ms at p95; GeoJSON bbox query returning 5,000 features < 200 ms at p95.
Everything this module creates carries the device-id prefix `BR-` or the zone prefix `BR ` and
is deleted at the end (the audit entries of the import stay: the log is append-only).
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import time

PREFIX = "BR-"
ZONE_PREFIX = "BR "
# A box around Greater London's centre: 100,000 assets over ~20 km × 15 km.
MIN_LAT, MAX_LAT = 51.44, 51.58
MIN_LON, MAX_LON = -0.25, 0.05
GRID = 8  # 8 × 8 ward-like zones, each with 4 street-like zones inside


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _zones():
    from devices.services.registry import zone_create

    dlat = (MAX_LAT - MIN_LAT) / GRID
    dlon = (MAX_LON - MIN_LON) / GRID

    def box(lat0, lon0, lat1, lon1):
        ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
        return {"type": "Polygon", "coordinates": [ring]}

    for i in range(GRID):
        for j in range(GRID):
            lat0, lon0 = MIN_LAT + i * dlat, MIN_LON + j * dlon
            ward = zone_create(
                actor="bench",
                data={
                    "name": f"{ZONE_PREFIX}ward {i}-{j}",
                    "kind": "ward",
                    "boundary": box(lat0, lon0, lat0 + dlat, lon0 + dlon),
                },
            )
            for k in range(4):  # east-west strips inside the ward
                slat = lat0 + (k + 0.4) * dlat / 4
                zone_create(
                    actor="bench",
                    data={
                        "name": f"{ZONE_PREFIX}street {i}-{j}-{k}",
                        "kind": "street",
                        "parent": ward,
                        "boundary": box(slat, lon0, slat + dlat / 20, lon0 + dlon),
                    },
                )


def _csv(n: int) -> str:
    from devices.assets_csv import COLUMNS

    rng = random.Random(7)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    controllers = max(1, n // 1000)
    for c in range(controllers):
        writer.writerow(
            {
                "device_id": f"{PREFIX}CTL-{c:04d}",
                "kind": "controller",
                "latitude": f"{rng.uniform(MIN_LAT, MAX_LAT):.6f}",
                "longitude": f"{rng.uniform(MIN_LON, MAX_LON):.6f}",
                "protocol": "mqtt",
                "mqtt_prefix": "city/v1",
            }
        )
    for i in range(n - controllers):
        kind = "camera" if i % 50 == 0 else "sensor" if i % 50 == 1 else "streetlight"
        row = {
            "device_id": f"{PREFIX}{i:06d}",
            "kind": kind,
            "name": f"Asset {i}",
            "latitude": f"{rng.uniform(MIN_LAT, MAX_LAT):.6f}",
            "longitude": f"{rng.uniform(MIN_LON, MAX_LON):.6f}",
            "status": rng.choices(["active", "faulty", "maintenance", "planned"], [90, 4, 3, 3])[0],
            "manufacturer": rng.choice(["Schréder", "Thorn", "Urbis"]),
            "serial": f"SN{rng.randint(10**7, 10**8 - 1)}",
            "installed_on": "2021-05-01",
        }
        if kind == "streetlight":
            row.update(
                rated_power_w=rng.choice(["36", "56", "72"]),
                colour_temperature_k="3000",
                protocol="mqtt",
                controller=f"{PREFIX}CTL-{rng.randrange(controllers):04d}" if i % 3 == 0 else "",
            )
        elif kind == "camera":
            row.update(analytics_allowlist="motion;crowd", ptz="false")
        else:
            row.update(measures="lux", unit="lx")
        writer.writerow(row)
    return buffer.getvalue()


def _states() -> None:
    """Connectivity rows for every benchmark asset (the list joins them)."""
    from devices.models import Asset, AssetState

    ids = Asset.objects.filter(device_id__startswith=PREFIX).values_list("pk", flat=True)
    AssetState.objects.bulk_create(
        (AssetState(asset_id=pk, online=pk % 7 != 0, level=50) for pk in ids.iterator()),
        batch_size=5000,
        ignore_conflicts=True,
    )


def _client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.test import APIClient

    from cityplatform.roles import Role, roles_sync

    roles_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-registry-viewer")
    user.groups.add(Group.objects.get(name=Role.VIEWER.value))
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def _timed(client, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.content[:300])
    return elapsed, response.json()


def _cleanup(user=None) -> None:
    from django.db import connection

    from devices.models import Zone

    with connection.cursor() as cursor:
        ids = "SELECT id FROM devices_asset WHERE device_id LIKE %s"
        like = [PREFIX + "%"]
        cursor.execute(
            f"DELETE FROM devices_cameralight WHERE camera_id IN ({ids}) OR light_id IN ({ids})",  # noqa: S608
            like * 2,
        )
        for table in (
            "devices_streetlightdetails",
            "devices_cameradetails",
            "devices_sensordetails",
            "devices_controllerdetails",
            "devices_assetstate",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE asset_id IN ({ids})", like)  # noqa: S608
        cursor.execute("DELETE FROM devices_asset WHERE device_id LIKE %s", like)
    Zone.objects.filter(name__startswith=ZONE_PREFIX, kind="street").delete()
    Zone.objects.filter(name__startswith=ZONE_PREFIX).delete()
    if user is not None:
        user.delete()


def run(*, quick: bool) -> list[dict]:
    from devices.services.asset_import import assets_import

    n = 5_000 if quick else 100_000
    repeats = 20 if quick else 60
    results: list[dict] = []
    user = None
    _cleanup()
    try:
        _zones()
        data = _csv(n)
        started = time.perf_counter()
        report = assets_import(data=data, actor="bench", filename="bench.csv")
        import_s = time.perf_counter() - started
        assert report.created == n, report.as_dict()["errors"][:3]
        results.append(
            {
                "name": f"registry: import {n:,} assets from CSV",
                "value": round(import_s, 2),
                "unit": "s",
                "goal": "< 60 s for 100,000 rows",
                "ok": import_s < 60 if not quick else None,
                "peer": None,
            }
        )
        _states()
        from django.db import connection

        # What autovacuum does soon after a bulk load: statistics and the visibility map (the
        # list's counts are index-only scans once the map is set).
        with connection.cursor() as cursor:
            for table in ("devices_asset", "devices_assetstate", "devices_streetlightdetails"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        client, user = _client()

        rng = random.Random(11)
        pages = max(1, (n * 9 // 10) // 100)
        list_urls = [
            "/api/v1/assets/?kind=streetlight&status=active&page_size=100&page={page}",
            "/api/v1/assets/?kind=streetlight&online=true&page_size=100&page={page}",
            "/api/v1/assets/?status=active&ordering=-updated_at&page_size=100&page={page}",
            "/api/v1/assets/?kind=camera&kind=sensor&page_size=100",
            "/api/v1/assets/?search=SN1234&page_size=100",
        ]
        _timed(client, "/api/v1/assets/?page_size=1")  # warm-up
        samples = []
        for r in range(repeats):
            url = list_urls[r % len(list_urls)].format(page=rng.randint(1, min(pages, 50)))
            elapsed, body = _timed(client, url)
            samples.append(elapsed)
        results.append(
            {
                "name": f"registry: filtered asset list, page of 100 ({n:,} assets), p95",
                "value": round(_p95(samples), 1),
                "unit": "ms",
                "goal": "< 50 ms p95",
                "ok": _p95(samples) < 50 if not quick else None,
                "peer": None,
            }
        )
        results.append(
            {
                "name": "registry: filtered asset list, median",
                "value": round(statistics.median(samples), 1),
                "unit": "ms",
                "goal": "",
                "ok": None,
                "peer": None,
            }
        )

        # A box holding at least 5,000 assets (≈ 5 % of the area at 100,000), limit 5,000.
        share = min(1.0, 5_500 / n) ** 0.5
        span_lat, span_lon = (MAX_LAT - MIN_LAT) * share, (MAX_LON - MIN_LON) * share
        samples, features = [], 0
        for _ in range(repeats // 2):
            lat0 = rng.uniform(MIN_LAT, MAX_LAT - span_lat)
            lon0 = rng.uniform(MIN_LON, MAX_LON - span_lon)
            bbox = f"{lon0},{lat0},{lon0 + span_lon},{lat0 + span_lat}"
            elapsed, body = _timed(client, f"/api/v1/assets/geojson/?bbox={bbox}&limit=5000")
            samples.append(elapsed)
            features = max(features, len(body["features"]))
        results.append(
            {
                "name": f"registry: GeoJSON bbox query, {features:,} features, p95",
                "value": round(_p95(samples), 1),
                "unit": "ms",
                "goal": "< 200 ms p95 for 5,000 features",
                "ok": _p95(samples) < 200 if not quick else None,
                "peer": None,
            }
        )
    finally:
        _cleanup(user)
    return results


if __name__ == "__main__":
    import argparse
    import os

    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
    django.setup()
    for figure in run(quick=args.quick):
        print(f"{figure['name']:<70} {figure['value']:>10} {figure['unit']:<3} {figure['goal']}")
