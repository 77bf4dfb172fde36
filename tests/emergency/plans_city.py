"""The emergency plans tests' city: the demo wards with streetlights in Cheap and Bassishaw
under a steady 40 % programme (so "back to programme" is one level whatever the hour), and a
flood plan over Cheap."""

import pytest
from django.utils import timezone

from emergency.services.plans import plan_create
from lighting.models import Calendar, CalendarAssignment, Programme
from lighting.services.reconcile import reconcile_lights
from tests.lighting.conftest import make_light  # noqa: F401 (fixture)

PROGRAMME_LEVEL = 40.0


@pytest.fixture
def lit_wards(wards, make_light):  # noqa: F811
    """wards, plus {"cheap": [2 lights], "bassishaw": [1 light]} at 40 %."""
    programme = Programme.objects.create(
        name="Steady", steps=[{"trigger": "time", "time": "12:00", "level": PROGRAMME_LEVEL}]
    )
    calendar = Calendar.objects.create(name="Steady", default_programme=programme)
    CalendarAssignment.objects.create(calendar=calendar, zone=wards["City of London"])
    lights = {
        "cheap": [make_light(wards["Cheap"]) for _ in range(2)],
        "bassishaw": [make_light(wards["Bassishaw"])],
    }
    reconcile_lights(now=timezone.now())
    return lights


@pytest.fixture
def flood_plan(wards, lit_wards):
    return plan_create(
        actor="test",
        name="Riverside flood",
        hazard="flood",
        zone_ids=[wards["Cheap"].pk],
        steps=[
            {"label": "evacuation route", "level": 100, "zone": wards["Cheap"].pk},
            {
                "label": "flooded underpass marked",
                "level": 20,
                "lights": [lit_wards["bassishaw"][0].pk],
            },
        ],
        partners=["city-police", "red-cross"],
        procedure="Open the rest centre at Guildhall; close the underpass.",
    )
