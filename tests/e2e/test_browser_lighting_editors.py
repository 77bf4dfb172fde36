"""The lighting editors in a real browser: a programme with a sunset step saved and previewed,
a calendar rule edited, the energy chart of a known night, and the read-only view."""

from datetime import date, timedelta

import pytest

from cityplatform.roles import Role
from devices.choices import LevelSource
from devices.models import LevelChange, Telemetry
from lighting.models import Calendar, CalendarAssignment, CalendarRule, Programme
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in
from tests.lighting.conftest import RESIDENTIAL_STEPS, utc

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def chart_points(page, selector: str) -> list[int]:
    """How many points each dataset of the Chart.js chart on `selector` has (none: no chart)."""
    return page.evaluate(
        """(selector) => {
            const chart = Chart.getChart(document.querySelector(selector));
            return chart ? chart.data.datasets.map((d) => d.data.length) : [];
        }""",
        selector,
    )


def test_an_operator_creates_a_programme_with_a_sunset_offset_and_sees_its_night(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=2)
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(f"{asgi_server.url}/lighting/programmes/")
    page.click("#programme-new")
    page.fill("#programme-name", "Market nights")
    rows = page.locator("#step-table tbody tr")
    assert rows.count() == 2  # a new programme starts dusk to dawn: sunset, sunrise
    rows.nth(0).locator("input[name=offset_min]").fill("20")
    rows.nth(0).locator("input[name=level]").fill("90")
    page.wait_for_function("document.querySelectorAll('#step-times li').length === 2")
    page.click("#step-add")  # lands where it happens: after sunset, before sunrise
    rows.nth(1).locator("input[name=time]").fill("23:30")
    rows.nth(1).locator("input[name=level]").fill("40")

    # an error from the API is shown beside its field, and nothing typed is lost
    rows.nth(1).locator("input[name=level]").fill("140")
    page.click("#programme-save")
    error = page.locator('[data-error-for="steps.1.level"]')
    error.wait_for()
    assert "0 to 100" in error.inner_text()
    assert page.input_value("#programme-name") == "Market nights"
    assert not Programme.objects.filter(name="Market nights").exists()
    screenshot(page, "lighting-programme-error")

    rows.nth(1).locator("input[name=level]").fill("40")
    page.select_option("#preview-zone", str(city.zones[0].pk))
    page.fill("#preview-night", "2026-11-20")
    page.click("#programme-save")
    page.wait_for_function("document.getElementById('programme-form').dataset.saved")
    assert "Saved Market nights" in page.inner_text("#programme-status")
    saved = Programme.objects.get(name="Market nights")
    assert saved.steps == [
        {"trigger": "sunset", "level": 90, "offset_min": 20},
        {"trigger": "time", "level": 40, "time": "23:30"},
        {"trigger": "sunrise", "level": 0, "offset_min": 0},
    ]
    assert "Market nights" in page.inner_text("#programme-list")
    page.wait_for_function(
        "document.getElementById('profile-chart').dataset.night === '2026-11-20'"
    )
    # the level line (noon, 3 steps, next noon) and the sunset and sunrise marks
    assert chart_points(page, "#profile-chart") == [5, 2, 2]
    assert "90 % from sunset +20 min" in page.inner_text("#step-times")
    screenshot(page, "lighting-programme-saved")

    # leaving unsaved edits asks first; declining keeps them
    page.fill("#programme-name", "Market nights (draft)")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#programme-new")
    assert page.input_value("#programme-name") == "Market nights (draft)"
    assert page.js_errors == []


def test_add_step_inserts_the_step_in_time_order_and_the_preview_is_right_at_once(
    make_user, asgi_server, browser_page
):
    """Issue #19: "Add step" landed after sunrise, held back there, and the preview showed the
    lights at 100 % all night until the step was moved by hand."""
    city = build_city(lights_per_zone=2)
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(f"{asgi_server.url}/lighting/programmes/")
    page.click("#programme-new")
    page.select_option("#preview-zone", str(city.zones[0].pk))
    page.fill("#preview-night", "2026-11-20")
    page.wait_for_function(
        "document.getElementById('profile-chart').dataset.night === '2026-11-20'"
        " && document.querySelectorAll('#step-times li').length === 2"
    )
    page.click("#step-add")
    rows = page.locator("#step-table tbody tr")
    assert rows.count() == 3
    triggers = [rows.nth(i).locator("select[name=trigger]").input_value() for i in range(3)]
    assert triggers == ["sunset", "time", "sunrise"]
    assert rows.nth(1).locator("input[name=time]").input_value() == "00:00"
    page.wait_for_function("document.querySelectorAll('#step-times li').length === 3")
    times = page.locator("#step-times li")
    assert "50 % from 00:00" in times.nth(1).inner_text()
    assert page.locator("#step-times li.moved").count() == 0  # nothing held back
    # the profile: 100 % from sunset, 50 % from midnight, off at sunrise (not 100 % all night)
    levels = page.evaluate(
        """() => Chart.getChart(document.getElementById('profile-chart'))
                .data.datasets[0].data.map((p) => p.y)"""
    )
    assert 50 in levels and levels.index(50) > levels.index(100)
    assert page.js_errors == []


def test_an_operator_edits_a_calendar_rule_and_assigns_the_calendar(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=2)
    weekday = Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    late = Programme.objects.create(
        name="Late", steps=[{"trigger": "sunset", "level": 100}, {"trigger": "sunrise", "level": 0}]
    )
    calendar = Calendar.objects.create(name="City streets", default_programme=weekday)
    CalendarRule.objects.create(
        calendar=calendar, position=1, kind="weekdays", weekdays=[4], programme=late
    )
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(f"{asgi_server.url}/lighting/calendars/?id={calendar.pk}")
    rule = page.locator("#rule-table tbody tr").nth(0)
    # Fridays and Saturdays, the last ones of the month only
    rule.locator("select[name=kind]").select_option("nth_weekday")
    rule.locator("input[name=weekday][value='5']").check()
    rule.locator("select[name=nth]").select_option("-1")
    rule.locator("input[name=label]").fill("Last weekend")
    page.click("#rule-add")
    added = page.locator("#rule-table tbody tr").nth(1)
    added.locator("select[name=kind]").select_option("date_range")
    added.locator("input[name=date_from]").fill("2026-12-31")
    added.locator("input[name=date_to]").fill("2026-12-24")
    added.locator("select[name=programme]").select_option(str(late.pk))
    page.click("#calendar-save")
    # the API's refusal is shown beside the second rule's end date; nothing is lost or saved
    error = page.locator('[data-error-for="rules.1.date_to"]')
    error.wait_for()
    assert error.inner_text() == "The end date is before the start."  # in words
    assert rule.locator("input[name=label]").input_value() == "Last weekend"
    assert calendar.rules.get().kind == "weekdays"
    screenshot(page, "lighting-calendar-error")

    added.locator("select[name=kind]").select_option("date")
    page.click("#calendar-save")
    page.wait_for_function("document.getElementById('calendar-form').dataset.saved")
    rules = list(calendar.rules.order_by("position").values("kind", "weekdays", "nth", "label"))
    assert rules == [
        {"kind": "nth_weekday", "weekdays": [4, 5], "nth": -1, "label": "Last weekend"},
        {"kind": "date", "weekdays": [], "nth": None, "label": ""},
    ]
    assert calendar.rules.get(position=2).date_from == date(2026, 12, 31)

    page.select_option("#assign-zone", str(city.zones[1].pk))
    page.click("#assign-button")
    page.locator("#assignment-list li", has_text=city.zones[1].name).wait_for()
    assert CalendarAssignment.objects.get(zone=city.zones[1]).calendar_id == calendar.pk
    screenshot(page, "lighting-calendar-edited")
    assert page.js_errors == []


def test_the_energy_chart_shows_a_known_night_half_hourly_marking_estimates(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=2)
    metered, silent = city.lights[0], city.lights[1]
    # 2026-11-20 evening: one lamp metered (60 Wh an hour), one estimated from its level
    Telemetry.objects.bulk_create(
        [
            Telemetry(asset=metered, ts=utc(2026, 11, 20, 16) + timedelta(hours=h), energy_wh=e)
            for h, e in [(0, 1000), (1, 1060), (2, 1120)]
        ]
    )
    LevelChange.objects.create(
        asset=silent, at=utc(2026, 11, 20, 16), level=100, source=LevelSource.ACK
    )
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(f"{asgi_server.url}/lighting/energy/?zone={city.zones[0].pk}&night=2026-11-20")
    page.wait_for_function("document.getElementById('energy-chart').dataset.night === '2026-11-20'")
    series = page.evaluate(
        """() => Chart.getChart(document.getElementById('energy-chart')).data.datasets.map(
            (d) => ({label: d.label, data: d.data}))"""
    )
    reported, estimated = series
    assert "Estimated" in estimated["label"]
    assert len(reported["data"]) == 48  # noon to noon, half-hourly
    slot_16 = 8  # 16:00–16:30 is the 9th half hour after noon
    assert reported["data"][slot_16] == pytest.approx(30)
    assert estimated["data"][slot_16] > 0
    total = page.inner_text("#energy-total")
    assert "kWh" in total
    export = page.get_attribute("#energy-export-first", "href")
    assert "export=csv" in export and "date=2026-11-20" in export
    screenshot(page, "lighting-energy-night")
    assert page.js_errors == []


def test_a_viewer_reads_programmes_without_the_editors_controls(
    make_user, asgi_server, browser_page
):
    Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.VIEWER).username)
    page.goto(f"{asgi_server.url}/lighting/programmes/")
    assert page.locator("#programme-save").count() == 0
    assert page.locator("#programme-new").count() == 0
    assert not page.is_visible("#step-add")
    assert page.is_disabled("#programme-name")
    assert page.input_value("#programme-name") == "Residential"
    page.wait_for_function("document.getElementById('profile-chart').dataset.night")
    assert page.locator("nav[aria-label=Main] a[data-nav=lighting]").count() == 0
    screenshot(page, "lighting-programmes-viewer")
    assert page.js_errors == []


@pytest.mark.parametrize("width", [1440, 375])
def test_the_calendar_table_fits_the_page_and_the_year_view_colours_each_night(
    width, make_user, asgi_server, browser_page
):
    weekday = Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    late = Programme.objects.create(name="Late", steps=[{"trigger": "sunset", "level": 100}])
    calendar = Calendar.objects.create(name="City streets", default_programme=weekday)
    rules = [
        {"kind": "weekdays", "weekdays": [5, 6]},
        {"kind": "nth_weekday", "weekdays": [4], "nth": -1, "months": [11]},
        {"kind": "date_range", "date_from": date(2026, 12, 24), "date_to": date(2026, 12, 26)},
        {"kind": "yearly", "date_from": date(2026, 11, 5)},
    ]
    for position, rule in enumerate(rules, start=1):
        CalendarRule.objects.create(calendar=calendar, position=position, programme=late, **rule)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(f"{asgi_server.url}/lighting/calendars/?id={calendar.pk}")
    page.wait_for_selector("#rule-table tbody tr")
    fit = page.evaluate(
        """() => {
            const wrap = document.querySelector('#rule-table').parentElement;
            return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                    table: wrap.scrollWidth, wrap: wrap.clientWidth};
        }"""
    )
    assert fit["page"] <= fit["view"], fit  # no horizontal scroll of the page
    if width == 1440:
        assert fit["table"] <= fit["wrap"], fit  # nor of the rule table on a desktop
    # the last Friday of November's months are shown ticked, and the year view's nights
    nov = page.locator("#rule-table tbody tr").nth(1).locator("input[name=month][value='11']")
    assert nov.is_checked()
    assert page.locator("#year-grid .year-month").count() == 12
    assert page.locator("#year-legend li").count() == 2
    assert page.locator(f"#year-grid .day[data-programme='{late.pk}']").count() > 100
    assert page.js_errors == []
