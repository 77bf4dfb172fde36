"""Low-light hotspots (compared with the rest of the city, matched controls and history, boosts
left out), the recommendations drawn from them, the draft programme change (never applied),
and the analytics API with its CSV exports."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from cctv.analytics.core.hotspots import Thresholds, ZoneTypeStats, controls_of, hotspots_find
from cctv.analytics.core.recommendations import proposed_floor, steps_with_floor, window_of
from cctv.models import ZoneHour
from cityplatform.roles import Role
from devices.choices import ZoneKind
from devices.models import Zone
from lighting.models import Calendar, CalendarAssignment, Programme

NIGHTS = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def stats(zone_id, name, *, dim, hours=10.0, kind="street", boosted=0, lit=0, footfall=None):
    return ZoneTypeStats(
        zone_id=zone_id,
        zone_name=name,
        zone_kind=kind,
        event_type="loitering",
        dim_events=dim,
        lit_events=lit,
        boosted_events=boosted,
        dim_hours=hours,
        lit_hours=hours,
        footfall_per_hour=footfall,
    )


# --- The pure rules ---------------------------------------------------------------------------


def test_a_zone_made_dim_with_many_events_is_named_and_its_control_is_not():
    found = hotspots_find(
        [
            stats(1, "Cheapside", dim=24),
            stats(2, "Poultry", dim=3),  # the matched control: same kind, similar exposure
            stats(3, "Bank junction", dim=2, kind="venue"),
        ]
    )
    assert [h.zone_name for h in found] == ["Cheapside"]
    spot = found[0]
    assert spot.control_zones == [2] and spot.ratio_control > 2 and spot.p_value < 0.05


def test_boost_lit_events_do_not_make_a_hotspot():
    # many incidents, all under boosts (caused by the incidents themselves): not "dim"
    found = hotspots_find([stats(1, "Cheapside", dim=1, boosted=40), stats(2, "Poultry", dim=1)])
    assert found == []


@pytest.mark.parametrize(
    ("dim", "control_dim", "named"),
    [(24, 3, True), (4, 0, False), (12, 10, False), (30, 28, False)],
)
def test_a_hotspot_needs_enough_events_and_a_clear_excess(dim, control_dim, named):
    found = hotspots_find([stats(1, "Cheapside", dim=dim), stats(2, "Poultry", dim=control_dim)])
    assert bool(found) is named


def test_controls_are_of_the_same_kind_and_similar_footfall():
    me = stats(1, "Cheapside", dim=20, footfall=400)
    others = [
        stats(2, "Poultry", dim=1, footfall=300),
        stats(3, "Bank", dim=1, footfall=4000),  # ten times busier: not comparable
        stats(4, "Finsbury Circus", dim=1, kind="park", footfall=350),
        stats(5, "Wood Street", dim=1),  # no footfall sensor: kind alone
    ]
    assert [c.zone_id for c in controls_of(me, others, Thresholds().footfall_band)] == [2, 5]


@pytest.mark.parametrize(
    ("by_hour", "window"),
    [
        ({1: 3, 2: 4, 3: 3, 4: 2, 22: 1}, (1, 5)),
        ({23: 5, 0: 5}, (23, 1)),
        ({}, None),
    ],
)
def test_the_window_is_the_shortest_run_of_night_hours_holding_most_dim_events(by_hour, window):
    assert window_of(by_hour) == window


@pytest.mark.parametrize(
    ("current", "dim", "proposed"), [(30, 40, 50), (0, 40, 50), (45, 40, 60), (95, 40, 100)]
)
def test_the_proposed_floor_clears_the_dim_level(current, dim, proposed):
    assert proposed_floor(current=current, dim_level=dim) == proposed


def test_the_draft_steps_hold_the_floor_in_the_window_and_restore_after():
    steps = [
        {"trigger": "sunset", "offset_min": 0, "level": 100},
        {"trigger": "time", "time": "00:00", "level": 30},
        {"trigger": "time", "time": "03:00", "level": 20},
        {"trigger": "time", "time": "06:00", "level": 60},
        {"trigger": "sunrise", "offset_min": 0, "level": 0},
    ]
    drafted = steps_with_floor(
        steps,
        start=time(1),
        end=time(5),
        floor=50,
        night=date(2026, 1, 14),
        tz_name="Europe/London",
        latitude=51.5,
        longitude=-0.09,
    )
    assert [(s.get("time", s["trigger"]), s["level"]) for s in drafted] == [
        ("sunset", 100),
        ("00:00", 30),
        ("01:00", 50),
        ("03:00", 50),
        ("05:00", 20),
        ("06:00", 60),
        ("sunrise", 0),
    ]


# --- Service and API --------------------------------------------------------------------------


def zone_hours(zone, *, loitering_dim, nights=3, level=30.0):
    """`nights` nights of rows: dark 17:00–07:00, all lights dim, the camera up; the zone's dim
    loitering events spread over 01:00–05:00."""
    per_hour = dict.fromkeys(range(24), 0)
    for i in range(loitering_dim):
        per_hour[1 + i % 4] += 1
    rows = []
    for n in range(nights):
        for h in range(24):
            hour = NIGHTS + timedelta(days=n, hours=h)
            dark = 1.0 if hour.hour >= 17 or hour.hour < 7 else 0.0
            count = per_hour[hour.hour] // nights + (1 if n < per_hour[hour.hour] % nights else 0)
            rows.append(
                ZoneHour(
                    zone=zone,
                    hour=hour,
                    events={"loitering": count} if count else {},
                    events_dim={"loitering": count} if count and dark else {},
                    lights=10,
                    cameras=1,
                    mean_level=level if dark else 0.0,
                    boost_share=0.0,
                    dark_fraction=dark,
                    dark_dim_share=1.0 if dark else None,
                    dark_lit_share=0.0 if dark else None,
                    dark_boost_share=0.0 if dark else None,
                    camera_uptime=1.0,
                    dim_level=40,
                    computed_at=NIGHTS,
                )
            )
    ZoneHour.objects.bulk_create(rows)


@pytest.fixture
def city(db):
    cheapside = Zone.objects.create(name="Cheapside", kind=ZoneKind.STREET)
    poultry = Zone.objects.create(name="Poultry", kind=ZoneKind.STREET)
    zone_hours(cheapside, loitering_dim=30)
    zone_hours(poultry, loitering_dim=3)
    night = Programme.objects.create(
        name="Part-night",
        steps=[
            {"trigger": "sunset", "offset_min": 0, "level": 100},
            {"trigger": "time", "time": "00:00", "level": 30},
            {"trigger": "sunrise", "offset_min": 0, "level": 0},
        ],
    )
    calendar = Calendar.objects.create(name="Streets", default_programme=night)
    CalendarAssignment.objects.create(calendar=calendar, zone=cheapside)
    return cheapside, poultry, night


PERIOD = {"since": "2026-01-10T12:00:00Z", "until": "2026-01-13T12:00:00Z"}


@pytest.mark.django_db
def test_the_api_names_the_hotspot_and_recommends_a_floor(city, make_user, api_client):
    cheapside, poultry, _ = city
    client = api_client(make_user(Role.LIGHTING_OPERATOR))
    spots = client.get("/api/v1/cctv/analytics/hotspots/", PERIOD).json()["results"]
    assert [(s["zone_name"], s["event_type"]) for s in spots] == [("Cheapside", "loitering")]
    assert spots[0]["control_zones"] == [poultry.pk]

    recs = client.get("/api/v1/cctv/analytics/recommendations/", PERIOD).json()["results"]
    assert len(recs) == 1
    assert recs[0]["text"].startswith(
        "Raise the floor on Cheapside from 30 % to 50 % between 01:00 and 05:00: "
    )
    assert "× the city rate of loitering alerts at levels under 40 %" in recs[0]["text"]
    assert recs[0]["numbers"]["dim_events"] == 30
    assert recs[0]["draft"]["body"]["zone"] == cheapside.pk

    filtered = client.get("/api/v1/cctv/analytics/hotspots/", {**PERIOD, "zone": poultry.pk})
    assert filtered.json()["results"] == []
    csv = client.get("/api/v1/cctv/analytics/recommendations/csv/", PERIOD)
    assert csv["Content-Type"].startswith("text/csv")
    assert "Raise the floor on Cheapside" in csv.content.decode()


@pytest.mark.django_db
def test_drafting_creates_an_unassigned_programme_once(city, make_user, api_client):
    _, _, night = city
    client = api_client(make_user(Role.LIGHTING_OPERATOR))
    recs = client.get("/api/v1/cctv/analytics/recommendations/", PERIOD).json()["results"]
    request = recs[0]["draft"]
    first = client.post(request["url"], request["body"], format="json")
    assert first.status_code == 201, first.json()
    draft = Programme.objects.get(pk=first.json()["programme"])
    assert draft.name.startswith("DRAFT Cheapside")
    assert not CalendarAssignment.objects.filter(calendar__default_programme=draft).exists()
    assert Calendar.objects.get().default_programme == night  # nothing applied
    again = client.post(request["url"], request["body"], format="json")
    assert again.status_code == 200 and again.json()["programme"] == draft.pk
    assert Programme.objects.count() == 2


@pytest.mark.django_db
def test_zone_hours_are_listed_filtered_and_exported(city, make_user, api_client):
    cheapside, _, _ = city
    client = api_client(make_user(Role.LIGHTING_OPERATOR))
    page = client.get("/api/v1/cctv/analytics/zone-hours/", {**PERIOD, "zone": cheapside.pk})
    assert page.status_code == 200
    assert page.json()["count"] == 72
    only = client.get(
        "/api/v1/cctv/analytics/zone-hours/", {**PERIOD, "zone": cheapside.pk, "type": "loitering"}
    )
    assert 0 < only.json()["count"] < 72
    csv = client.get("/api/v1/cctv/analytics/zone-hours/csv/", PERIOD).content.decode()
    assert csv.splitlines()[0].startswith("zone,zone_name,hour,events")
    assert len(csv.splitlines()) == 1 + 144


@pytest.mark.django_db
def test_bad_periods_are_a_400_naming_the_field_and_viewers_are_refused(
    city, make_user, api_client
):
    client = api_client(make_user(Role.LIGHTING_OPERATOR))
    bad = client.get(
        "/api/v1/cctv/analytics/hotspots/", {"since": "2026-01-13T00:00Z", "until": "2026-01-12"}
    )
    assert bad.status_code == 400 and "until" in str(bad.json())
    nosuch = client.get("/api/v1/cctv/analytics/hotspots/", {"since": "yesterday"})
    assert nosuch.status_code == 400 and "since" in str(nosuch.json())
    # the 28 days before year 1 do not exist: a 400, not a server error (found by schemathesis)
    ancient = {"since": "0001-01-01T00:13:12Z", "until": "0001-01-13T12:37:01Z"}
    for url in ("hotspots/", "recommendations/"):
        answer = client.get(f"/api/v1/cctv/analytics/{url}", ancient)
        assert answer.status_code == 400 and "since" in answer.json()["extra"]["fields"]
    draft = client.post(
        "/api/v1/cctv/analytics/recommendations/draft/",
        {"zone": 1, "type": "loitering", **ancient},
        format="json",
    )
    assert draft.status_code == 400 and "since" in draft.json()["extra"]["fields"]
    operator = api_client(make_user(Role.SECURITY_OPERATOR))
    assert operator.get("/api/v1/cctv/analytics/hotspots/", PERIOD).status_code == 403
    refused = operator.post("/api/v1/cctv/analytics/recommendations/draft/", {}, format="json")
    assert refused.status_code == 403
