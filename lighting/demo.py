"""What the demo needs of lighting: a city programme and calendar, so that the simulated lamps
follow dusk and dawn with part-night dimming from the first minute."""

from devices.choices import ZoneKind
from devices.models import Zone
from lighting.models import Calendar, Programme
from lighting.services.programmes import calendar_assign, calendar_create, programme_create

PART_NIGHT = [
    {"trigger": "sunset", "level": 100},
    {"trigger": "time", "time": "23:00", "level": 60},
    {"trigger": "time", "time": "01:00", "level": 30},
    {"trigger": "time", "time": "05:30", "level": 100},
    {"trigger": "sunrise", "level": 0},
]
WEEKEND = [
    {"trigger": "sunset", "level": 100},
    {"trigger": "time", "time": "01:00", "level": 60},
    {"trigger": "time", "time": "05:30", "level": 100},
    {"trigger": "sunrise", "level": 0},
]


def programme_if_missing(*, stdout) -> None:
    """Creates the city's calendar once: weekends brighter late, part-night dimming otherwise."""
    if Calendar.objects.exists():
        return
    city = Zone.objects.filter(kind=ZoneKind.CITY, parent=None).first()
    if city is None:
        return
    weekdays = Programme.objects.filter(name="Part-night dimming").first() or programme_create(
        name="Part-night dimming",
        steps=PART_NIGHT,
        actor="demo",
        description="100 % from sunset, 60 % from 23:00, 30 % from 01:00, 100 % from 05:30",
    )
    weekend = Programme.objects.filter(name="Late nights").first() or programme_create(
        name="Late nights",
        steps=WEEKEND,
        actor="demo",
        description="Friday and Saturday nights: full level until 01:00",
    )
    calendar = calendar_create(
        name="City of London",
        rules=[
            {
                "kind": "weekdays",
                "weekdays": [4, 5],
                "programme_id": weekend.pk,
                "label": "Friday and Saturday nights",
            }
        ],
        default_programme_id=weekdays.pk,
        actor="demo",
    )
    calendar_assign(calendar=calendar, zone_id=city.pk, actor="demo")
    stdout.write("-- lighting: the City of London calendar (part-night dimming) assigned")
