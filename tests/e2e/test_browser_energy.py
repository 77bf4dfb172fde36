"""The energy page in a real browser: it opens on the city, whose night total is the sum of its
wards', each with kWh, cost, CO₂ and the saving; a night without data says "no data"; the
month, or the last 7 or 30 days, is listed day by day; the BSCP520 file is a link away."""

import pytest

from cityplatform.roles import Role
from devices.choices import LevelSource
from devices.models import LevelChange
from devices.services.registry import zone_create
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in
from tests.lighting.conftest import utc

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_city_total_is_the_sum_of_its_wards_and_an_empty_night_says_no_data(
    make_user, asgi_server, browser_page
):
    city_zones = build_city(lights_per_zone=2)
    city = zone_create(actor="tests", data={"name": "City of London", "kind": "city"})
    for ward in city_zones.zones:
        ward.parent = city
        ward.save()
    # The night of 20 November: every lamp at 100 % from 16:00 to 22:00, then at 50 % to 07:00
    for light in city_zones.lights:
        LevelChange.objects.bulk_create(
            [
                LevelChange(
                    asset=light, at=utc(2026, 11, 20, 16), level=100, source=LevelSource.ACK
                ),
                LevelChange(
                    asset=light, at=utc(2026, 11, 20, 22), level=50, source=LevelSource.ACK
                ),
                LevelChange(asset=light, at=utc(2026, 11, 21, 7), level=0, source=LevelSource.ACK),
            ]
        )
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.VIEWER).username)

    page.goto(f"{asgi_server.url}/lighting/energy/?night=2026-11-20")
    page.wait_for_function("document.getElementById('energy-chart').dataset.night === '2026-11-20'")

    assert page.input_value("#energy-zone") == str(city.pk)  # it opens on the city
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#energy-children tr[data-zone]')].map(
            (tr) => [...tr.children].map((c) => c.textContent))"""
    )
    wards, total = rows[:-1], rows[-1]
    assert [w[0] for w in wards] == ["Cheapside", "Guildhall Yard"]
    assert total[0] == "City of London (total)"
    # 60 W lamps: 6 h at 60 W + 9 h at 30 W = 630 Wh each; 2 a ward, 4 in the city
    assert [w[2] for w in wards] == ["1.26", "1.26"]
    assert total[2] == "2.52" == f"{sum(float(w[2]) for w in wards):.2f}"
    assert total[1] == "4 of 4"
    assert total[3] == "£0.63"  # at the default £0.25 per kWh
    assert total[5] == "1.08"  # undimmed: 15 h at 60 W = 900 Wh a lamp, 3.6 kWh − 2.52
    assert "2.52 kWh" in page.inner_text("#energy-total")
    assert page.is_hidden("#energy-nodata")
    assert "by=charge_code" in page.get_attribute("#energy-export-bscp520", "href")
    page.fill("#energy-month", "2026-11")
    page.click("#energy-month-show")
    page.locator("#energy-month-table tr[data-date='2026-11-20']").wait_for()
    month = page.inner_text("#energy-month-table tbody")
    assert "no data" in month  # the days before the lamps reported
    screenshot(page, "lighting-energy-city")

    # The last 7 days up to the chosen night: 14 to 20 November, the 20th with its 16:00-24:00
    page.get_by_role("button", name="Last 7 days").click()
    page.wait_for_function(
        "document.getElementById('energy-month-table').dataset.range === '2026-11-14/2026-11-20'"
    )
    days = page.locator("#energy-month-table tbody tr")
    assert days.count() == 7
    assert days.nth(6).get_attribute("data-date") == "2026-11-20"
    assert "Days total" in page.inner_text("#energy-month-total")
    page.fill("#energy-from", "2026-11-21")
    page.fill("#energy-to", "2026-11-20")
    page.click("#energy-days-show")
    page.wait_for_function(
        "document.getElementById('energy-month-status').textContent.includes('before the start')"
    )

    page.fill("#energy-night", "2026-11-10")
    page.click("#energy-form button[type=submit]")
    page.wait_for_function("document.getElementById('energy-chart').dataset.night === '2026-11-10'")
    assert "No data for the night of 2026-11-10" in page.inner_text("#energy-nodata")
    assert "no data" in page.inner_text("#energy-total")
    assert "0 kWh" not in page.inner_text("#energy-total")
    assert page.js_errors == []
