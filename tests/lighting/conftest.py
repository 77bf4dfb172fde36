"""Builders for lighting tests: zones, lights, programmes, calendars."""

import itertools
from datetime import UTC, datetime

import pytest

from devices.choices import AssetKind
from devices.models import Asset, AssetState, StreetlightDetails, Zone
from lighting.models import Calendar, CalendarAssignment, Programme

_ids = itertools.count(1)

RESIDENTIAL_STEPS = [
    {"trigger": "sunset", "level": 100},
    {"trigger": "time", "time": "23:00", "level": 60},
    {"trigger": "time", "time": "01:00", "level": 30},
    {"trigger": "time", "time": "05:30", "level": 100},
    {"trigger": "sunrise", "level": 0},
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def make_zone(db):
    def make(name=None, *, parent=None, min_level=0, time_zone="Europe/London") -> Zone:
        return Zone.objects.create(
            name=name or f"zone-{next(_ids)}",
            parent=parent,
            min_level=min_level,
            time_zone=time_zone,
        )

    return make


@pytest.fixture
def make_light(db):
    def make(
        zone=None,
        *,
        device_id=None,
        lat=51.5155,
        lon=-0.0922,
        rated_power_w=60,
        min_level=0,
        max_level=100,
        state=None,
    ) -> Asset:
        asset = Asset.objects.create(
            device_id=device_id or f"SL-{next(_ids):05d}",
            kind=AssetKind.STREETLIGHT,
            latitude=lat,
            longitude=lon,
            zone=zone,
        )
        StreetlightDetails.objects.create(
            asset=asset, rated_power_w=rated_power_w, min_level=min_level, max_level=max_level
        )
        if state:
            AssetState.objects.create(asset=asset, **state)
        return asset

    return make


@pytest.fixture
def residential(db) -> Programme:
    return Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)


@pytest.fixture
def calendar_for(db):
    """calendar_for(zone or group, programme) → a calendar with that default, assigned."""

    def make(target, programme, *, name=None) -> Calendar:
        calendar = Calendar.objects.create(
            name=name or f"calendar-{next(_ids)}", default_programme=programme
        )
        if isinstance(target, Zone):
            CalendarAssignment.objects.create(calendar=calendar, zone=target)
        else:
            CalendarAssignment.objects.create(calendar=calendar, group=target)
        return calendar

    return make
