"""What an override's scope covers is one rule (lighting.core.scope), and its three readers agree:
the override services reading the database (`override_lights`: the lights an override commands
when it starts or ends), the resolver in memory (the lights it applies the override to) and
cctv's analytics (`override_covers`). Radius edges included: lights exactly on the circle, a
hair inside or outside it, at its widest longitude, in the corners of its box, near the
antimeridian and far north, where a box of the radius in degrees would miss some."""

import math
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.choices import AssetKind
from devices.models import Asset, StreetlightDetails, Zone
from devices.selectors.lights import lights_for_control
from lighting.choices import Operation, ScopeKind
from lighting.core.scope import EARTH_RADIUS_M, distance_m
from lighting.models import LightGroup, Override
from lighting.selectors import override_covers
from lighting.services.resolver import snapshot_load
from lighting.services.scopes import override_lights

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point `metres` from (lat, lon) along `bearing` (degrees), on the sphere."""
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    d = metres / EARTH_RADIUS_M
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lon2 = (math.degrees(l2) + 180) % 360 - 180
    return max(-90.0, min(90.0, math.degrees(p2))), lon2


def widest(lat: float, lon: float, metres: float, east: bool) -> tuple[float, float]:
    """The circle's easternmost (or westernmost) point: where it reaches furthest in longitude."""
    d = metres / EARTH_RADIUS_M
    p1 = math.radians(lat)
    lat_w = math.degrees(math.asin(math.sin(p1) / math.cos(d)))
    dlon = math.degrees(math.asin(math.sin(d) / math.cos(p1)))
    return lat_w, (lon + (dlon if east else -dlon) + 180) % 360 - 180


def lights_at(points: list[tuple[float, float]], zone_ids=None) -> list[int]:
    zone_ids = zone_ids or [None] * len(points)
    assets = Asset.objects.bulk_create(
        Asset(
            device_id=f"SC-{i:04d}",
            kind=AssetKind.STREETLIGHT,
            latitude=lat,
            longitude=lon,
            zone_id=zone_id,
        )
        for i, ((lat, lon), zone_id) in enumerate(zip(points, zone_ids, strict=True))
    )
    StreetlightDetails.objects.bulk_create(StreetlightDetails(asset=a) for a in assets)
    return [a.pk for a in assets]


def in_force(**scope) -> Override:
    now = timezone.now()
    return Override.objects.create(
        level=100,
        operation=Operation.MAX,
        priority=8,
        starts_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(hours=1),
        reason="scope test",
        author="tests",
        **scope,
    )


def three_answers(override: Override) -> tuple[set[int], set[int], set[int]]:
    """(database, resolver in memory, cctv's override_covers) for one override in force."""
    from_database = set(override_lights(override))
    snapshot = snapshot_load(at=timezone.now())
    in_memory = {
        pk
        for pk, specs in snapshot.overrides_by_light.items()
        if override.pk in {s.id for s in specs}
    }
    for_cctv = override_covers(override, lights_for_control())
    return from_database, in_memory, for_cctv


def rolled_back(check):
    """Runs one example in a savepoint that is rolled back (the next starts from nothing)."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


EDGE_FACTORS = st.sampled_from([1.0, 1 - 1e-12, 1 + 1e-12, 1 - 1e-9, 1 + 1e-9, 1 - 1e-6, 1 + 1e-6])
FACTORS = st.one_of(EDGE_FACTORS, st.floats(min_value=0.0, max_value=1.6))
BEARINGS = st.one_of(st.sampled_from([0.0, 45.0, 90.0, 135.0, 180.0, 270.0]), st.floats(0, 360))


@HYPOTHESIS
@given(
    lat=st.one_of(st.floats(-80, 80), st.sampled_from([51.5155, 69.65, -45.0, 79.9])),
    lon=st.one_of(st.floats(-180, 180), st.sampled_from([-0.0922, 179.9999, -179.9999])),
    radius=st.one_of(st.floats(1, 5000), st.sampled_from([1.0, 10.0, 150.0, 300.0])),
    around=st.lists(st.tuples(BEARINGS, FACTORS), min_size=1, max_size=8),
)
def test_a_radius_covers_the_same_lights_in_the_database_in_memory_and_for_cctv(
    lat, lon, radius, around
):
    # Given lights around a point: on the circle, a hair either side of it, at its widest
    # longitudes, in the corners of the box that holds it, and anywhere near
    points = [destination(lat, lon, bearing, radius * factor) for bearing, factor in around]
    points += [widest(lat, lon, radius, east=True), widest(lat, lon, radius, east=False)]
    points += [destination(lat, lon, b, radius * math.sqrt(2)) for b in (45, 135, 225, 315)]

    def check():
        pks = lights_at(points)
        # When an override covers the radius around the point
        override = in_force(
            scope_kind=ScopeKind.RADIUS, latitude=lat, longitude=lon, radius_m=radius
        )
        from_database, in_memory, for_cctv = three_answers(override)
        # Then the three readers name the same lights: those at most the radius away
        within = {
            pk
            for pk, (la, lo) in zip(pks, points, strict=True)
            if distance_m(lat, lon, la, lo) <= radius
        }
        assert from_database == in_memory == for_cctv == within

    rolled_back(check)


@HYPOTHESIS
@given(
    parents=st.lists(st.integers(min_value=-1, max_value=6), min_size=1, max_size=7),
    light_zones=st.lists(st.integers(min_value=-1, max_value=6), min_size=1, max_size=10),
    kind=st.sampled_from([ScopeKind.ZONE, ScopeKind.GROUP, ScopeKind.LIGHTS, ScopeKind.CITY]),
    pick=st.integers(min_value=0, max_value=6),
    members=st.sets(st.integers(min_value=0, max_value=9)),
)
def test_zones_groups_lists_and_the_city_cover_the_same_lights_for_every_reader(
    parents, light_zones, kind, pick, members
):
    # Given a tree of zones (a zone's parent is an earlier zone, or none), lights in some of
    # them, and a group of some of the lights
    def check():
        zones: list[Zone] = []
        for i, parent in enumerate(parents):
            parent_zone = zones[parent] if 0 <= parent < i else None
            zones.append(Zone.objects.create(name=f"scope-{i}", parent=parent_zone))
        zone_of = [zones[z].pk if 0 <= z < len(zones) else None for z in light_zones]
        pks = lights_at([(51.5 + i * 1e-4, -0.09) for i in range(len(zone_of))], zone_of)
        chosen = [pks[i] for i in members if i < len(pks)]
        group = LightGroup.objects.create(name="scope group")
        group.lights.set(chosen)
        zone = zones[pick % len(zones)]
        # When an override covers one zone (and those within it), the group, listed lights
        # (one of them no light at all) or the city
        scope = {
            ScopeKind.ZONE: {"zone": zone},
            ScopeKind.GROUP: {"group": group},
            ScopeKind.LIGHTS: {"light_ids": [*chosen, max(pks) + 1000]},
            ScopeKind.CITY: {},
        }[kind]
        override = in_force(scope_kind=kind, **scope)
        from_database, in_memory, for_cctv = three_answers(override)
        # Then every reader names the same lights
        assert from_database == in_memory == for_cctv
        if kind in (ScopeKind.GROUP, ScopeKind.LIGHTS):
            assert from_database == set(chosen)
        if kind == ScopeKind.CITY:
            assert from_database == set(pks)
        if kind == ScopeKind.ZONE:
            parent_of = {z.pk: z.parent_id for z in zones}

            def inside(zone_id):
                while zone_id is not None:
                    if zone_id == zone.pk:
                        return True
                    zone_id = parent_of[zone_id]
                return False

            assert from_database == {pk for pk, z in zip(pks, zone_of, strict=True) if inside(z)}

    rolled_back(check)
