"""The lighting editors' pages: who may open them, who gets the editors' controls, the tabs
and main navigation per role, and what each page hands its script."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.models import Fault
from lighting.models import Calendar, CalendarAssignment, CalendarRule, Programme
from tests.dashboards.city import build_city
from tests.lighting.conftest import RESIDENTIAL_STEPS

pytestmark = pytest.mark.django_db

EDITOR_PAGES = ["/lighting/programmes/", "/lighting/calendars/", "/lighting/energy/"]
SAVE_BUTTONS = [b'id="programme-save"', b'id="calendar-save"', b'id="assign-form"']


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role=None, **kwargs):
        client.force_login(make_user(role, **kwargs))
        return client

    return sign_in


@pytest.fixture
def schedules():
    residential = Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    late = Programme.objects.create(name="Late", steps=[{"trigger": "sunset", "level": 100}])
    calendar = Calendar.objects.create(name="City streets", default_programme=residential)
    CalendarRule.objects.create(
        calendar=calendar, position=1, kind="nth_weekday", weekdays=[4], nth=-1, programme=late
    )
    return residential, late, calendar


def labels(items) -> list[str]:
    return [item.label for item in items]


@pytest.mark.parametrize(
    ("role", "main", "tabs"),
    [
        (
            Role.LIGHTING_OPERATOR,
            ["Lighting", "Insights", "Overview", "API"],
            ["Zones and live state", "Programmes", "Calendars", "Energy"],
        ),
        (Role.VIEWER, ["Overview", "API"], ["Programmes", "Calendars", "Energy"]),
        (
            Role.SECURITY_OPERATOR,
            ["Security console", "Emergency plans", "Overview", "API"],
            ["Programmes", "Calendars", "Energy"],
        ),
    ],
    ids=lambda v: v.name.lower() if isinstance(v, Role) else "",
)
def test_navigation_and_lighting_tabs_per_role(role, main, tabs, signed_in):
    response = signed_in(role).get("/lighting/programmes/")
    assert response.status_code == 200
    assert labels(response.context["navigation"]) == main
    assert labels(response.context["tabs"]) == tabs


def test_the_live_lighting_page_has_the_tabs_faults_table_and_profile_chart(signed_in):
    build_city(lights_per_zone=1)
    response = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/")
    assert labels(response.context["tabs"])[0] == "Zones and live state"
    content = response.content.decode()
    assert 'id="fault-table"' in content and 'id="zone-profile-chart"' in content
    assert response.context["lighting_page"]["profile_api"] == "/api/v1/lighting/profile/"


def test_open_lamp_faults_are_rows_the_live_script_can_find_by_id(signed_in):
    city = build_city(lights_per_zone=1)
    fault = Fault.objects.create(
        asset=city.lights[0], type="lamp_failure", raised_at=timezone.now()
    )
    content = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/").content.decode()
    assert f'data-fault="{fault.pk}"' in content
    assert '<tr class="no-fault" hidden>' in content


def test_an_operator_gets_the_editors_controls(signed_in, schedules):
    client = signed_in(Role.LIGHTING_OPERATOR)
    programmes = client.get("/lighting/programmes/")
    assert programmes.context["editor"]["may_change"] is True
    assert b'id="programme-save"' in programmes.content
    assert b'id="programme-new"' in programmes.content
    calendars = client.get("/lighting/calendars/")
    assert b'id="calendar-save"' in calendars.content and b'id="assign-form"' in calendars.content


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SECURITY_OPERATOR, Role.ASSET_MANAGER])
def test_other_roles_read_without_the_editors_controls(role, signed_in, schedules):
    client = signed_in(role)
    for url in EDITOR_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        for button in SAVE_BUTTONS:
            assert button not in response.content, (url, button)
    assert b"Read only" in client.get("/lighting/programmes/").content


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in EDITOR_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_the_programme_page_hands_its_script_the_programmes_and_the_selection(signed_in, schedules):
    residential, _, _ = schedules
    response = signed_in(Role.LIGHTING_OPERATOR).get(f"/lighting/programmes/?id={residential.pk}")
    editor = response.context["editor"]
    assert editor["selected"] == residential.pk
    by_name = {p["name"]: p for p in editor["programmes"]}
    assert by_name["Residential"]["steps"] == RESIDENTIAL_STEPS
    assert [value for value, _ in editor["triggers"]] == [
        "time",
        "sunset",
        "sunrise",
        "dusk",
        "dawn",
    ]
    assert b'id="programme-editor"' in response.content  # the JSON the script reads


def test_the_calendar_page_hands_its_script_rules_and_assignments(signed_in, schedules):
    _, late, calendar = schedules
    city = build_city(lights_per_zone=1)
    CalendarAssignment.objects.create(calendar=calendar, zone=city.zones[0])
    editor = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/calendars/").context["editor"]
    (only,) = editor["calendars"]
    assert only["rules"][0]["kind"] == "nth_weekday" and only["rules"][0]["nth"] == -1
    assert only["rules"][0]["programme_id"] == late.pk
    assert editor["assignments"] == [
        {
            "id": CalendarAssignment.objects.get().pk,
            "calendar": calendar.pk,
            "zone": city.zones[0].pk,
            "group": None,
            "target": "Cheapside",
        }
    ]


def test_the_editor_pages_read_in_a_fixed_number_of_queries(
    signed_in, schedules, django_assert_max_num_queries
):
    client = signed_in(Role.LIGHTING_OPERATOR)
    for n in range(30):
        programme = Programme.objects.create(name=f"P{n}", steps=RESIDENTIAL_STEPS)
        calendar = Calendar.objects.create(name=f"C{n}", default_programme=programme)
        CalendarRule.objects.create(
            calendar=calendar, position=1, kind="weekdays", weekdays=[n % 7], programme=programme
        )
    with django_assert_max_num_queries(12):
        client.get("/lighting/programmes/")
    # the year view's schedule (programmes, calendars, rules: 3) and the zone labels (1) added
    with django_assert_max_num_queries(16):
        client.get("/lighting/calendars/")


def test_the_energy_page_defaults_to_last_night_and_the_first_zone(signed_in):
    city = build_city(lights_per_zone=1)
    response = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/energy/")
    energy = response.context["energy"]
    assert energy["night"] == str(timezone.localdate() - timedelta(days=1))
    assert energy["zone"] == min(city.zones, key=lambda z: z.name).pk
    garbled = signed_in(Role.LIGHTING_OPERATOR).get("/lighting/energy/?night=2026-13-45")
    assert garbled.context["energy"]["night"] == str(timezone.localdate() - timedelta(days=1))
    chosen = signed_in(Role.LIGHTING_OPERATOR).get(
        f"/lighting/energy/?zone={city.zones[1].pk}&night=2026-11-20"
    )
    assert chosen.context["energy"] == {
        "api": "/api/v1/lighting/energy/",
        "zone": city.zones[1].pk,
        "night": "2026-11-20",
        "month": "2026-11",
        "tariff": 0.25,
        "co2": 0.207,
    }


def test_the_energy_page_opens_on_the_city_above_its_wards(signed_in):
    from devices.services.registry import zone_create

    wards = build_city(lights_per_zone=1).zones
    city = zone_create(actor="tests", data={"name": "City of London", "kind": "city"})
    for ward in wards:
        ward.parent = city
        ward.save()
    response = signed_in(Role.VIEWER).get("/lighting/energy/")
    assert response.context["energy"]["zone"] == city.pk
    labels = [label for _, label in response.context["zones"]]
    assert labels == ["City of London", "\u2003Cheapside", "\u2003Guildhall Yard"]
    unknown = signed_in(Role.VIEWER).get("/lighting/energy/?zone=999999")
    assert unknown.context["energy"]["zone"] == city.pk


def test_the_calendar_year_view_gives_each_night_its_programme(signed_in, schedules):
    """The year view colours each night by its programme: the last Friday of every month is
    "Late" (the rule), every other night "Residential" (the default)."""
    residential, late, calendar = schedules
    page = signed_in(Role.VIEWER).get("/lighting/calendars/")
    editor = page.context["editor"]
    year = editor["year"]
    nights = editor["year_nights"][calendar.pk]
    first = date(year, 1, 1)
    assert len(nights) == (date(year + 1, 1, 1) - first).days
    late_nights = [first + timedelta(days=i) for i, pid in enumerate(nights) if pid == late.pk]
    assert len(late_nights) == 12
    assert all(d.weekday() == 4 and (d + timedelta(days=7)).month != d.month for d in late_nights)
    assert set(nights) == {residential.pk, late.pk}
    assert b'id="year-view"' in page.content and b'id="year-grid"' in page.content
