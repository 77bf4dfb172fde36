"""The insights page in a real browser, on a constructed data set: the lighting operator opens it
from the navigation, picks the period, sees the hotspot zone named and the charts drawn, and
drafts the recommended programme change with one click (drafted, not applied)."""

import pytest

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from lighting.models import Calendar, CalendarAssignment, Programme
from tests.dashboards.insights_city import PERIOD, build_insights_city
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_hotspot_is_named_charted_and_its_change_drafted(make_user, asgi_server, browser_page):
    city = build_insights_city()
    user = make_user(Role.LIGHTING_OPERATOR)
    page = browser_page
    sign_in(page, asgi_server, user.username)

    page.click("header nav a[data-nav=insights]")
    page.fill("#insights-filter input[name=since]", PERIOD["since"])
    page.fill("#insights-filter input[name=until]", PERIOD["until"])
    page.click("#insights-filter button[type=submit]")
    page.wait_for_load_state("networkidle")

    rows = page.locator("#hotspot-table tbody tr[data-zone]")
    assert rows.count() == 1
    assert rows.first.inner_text().startswith("Cheapside\tloitering\t30")
    assert "Poultry" in rows.first.locator("td").nth(11).inner_text()  # named as the control
    assert page.locator(f'#hotspot-table tr[data-zone="{city.poultry.pk}"]').count() == 0

    # Both charts are drawn by Chart.js from the page's data: 72 hours, one hotspot.
    page.wait_for_function("document.getElementById('series-chart').dataset.drawn === '72'")
    drawn = page.evaluate(
        """() => {
          const series = Chart.getChart('series-chart'), ratios = Chart.getChart('ratio-chart');
          const sum = (i) => series.data.datasets[i].data.reduce((a, b) => a + b, 0);
          return {dim: sum(0), boosted: sum(2), daylight: sum(3),
                  ratioLabels: ratios.data.labels, ratioCity: ratios.data.datasets[0].data[0],
                  width: document.getElementById('series-chart').width};
        }"""
    )
    assert drawn["dim"] == 33 and drawn["boosted"] == 2 and drawn["daylight"] == 1
    assert drawn["ratioLabels"] == ["Cheapside · loitering"] and drawn["ratioCity"] > 2
    assert drawn["width"] > 0

    recommendation = page.locator("#recommendations article.recommendation")
    assert "Raise the floor on Cheapside from 30 % to 50 %" in recommendation.inner_text()
    assert "Poultry" in recommendation.locator("dl.numbers").inner_text()
    recommendation.locator("button.draft-button").click()
    result = recommendation.locator(".draft-result.done")
    result.wait_for()
    assert "Drafted programme “DRAFT Cheapside" in result.inner_text()
    assert "Not applied" in result.inner_text()

    draft = Programme.objects.get(name__startswith="DRAFT Cheapside")
    assert Calendar.objects.get(pk=city.calendar.pk).default_programme == city.programme
    assert not CalendarAssignment.objects.filter(calendar__default_programme=draft).exists()
    entry = AuditEntry.objects.get(action="cctv.recommendation_drafted")
    assert entry.actor == user and entry.target_id == str(draft.pk)
    assert page.js_errors == []
    screenshot(page, "insights-hotspot-drafted")
