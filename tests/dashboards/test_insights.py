"""The insights page: the hotspot zone named with its numbers, the recommendation with its draft
button for those who may draft, the filters by period, zone and type, the chart series split by
lighting side, the CSV links, and the roles that may open it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from tests.dashboards.insights_city import PERIOD, build_insights_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return build_insights_city()


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role=None, **kwargs):
        client.force_login(make_user(role, **kwargs))
        return client

    return sign_in


def test_the_hotspot_zone_is_named_with_the_numbers_behind_its_recommendation(city, signed_in):
    response = signed_in(Role.LIGHTING_OPERATOR).get("/insights/", PERIOD)

    assert response.status_code == 200
    assert [(s["zone_name"], s["event_type"]) for s in response.context["hotspots"]] == [
        ("Cheapside", "loitering")
    ]
    assert response.context["hotspots"][0]["control_names"] == ["Poultry"]
    (rec,) = response.context["recommendations"]
    page = response.content.decode()
    assert "Raise the floor on Cheapside from 30 % to 50 % between 01:00 and 05:00" in page
    assert rec["numbers"]["dim_events"] == 30
    assert "Draft programme change" in page
    assert f'data-draft="{{&quot;zone&quot;: {city.cheapside.pk}' in page


def test_the_chart_series_split_events_by_lighting_and_carry_the_mean_level(city, signed_in):
    response = signed_in(Role.LIGHTING_OPERATOR).get(
        "/insights/", {**PERIOD, "zone": city.cheapside.pk}
    )

    series = response.context["charts"]["series"]
    assert len(series) == 72  # three days of hours stored in the period
    assert sum(p["dim"] for p in series) == 30
    assert sum(p["boosted"] for p in series) == 2  # kept apart from the dim side
    assert sum(p["other"] for p in series) == 1  # the daylight event
    night = next(p for p in series if p["hour"].startswith("2026-01-11T02:00"))
    assert night["mean_level"] == 30.0
    ratios = response.context["charts"]["ratios"]
    assert ratios[0]["label"] == "Cheapside · loitering" and ratios[0]["city"] > 2


def test_filters_by_zone_and_type_narrow_what_is_shown(city, signed_in):
    client = signed_in(Role.LIGHTING_OPERATOR)

    poultry = client.get("/insights/", {**PERIOD, "zone": city.poultry.pk})
    assert poultry.context["hotspots"] == [] and poultry.context["recommendations"] == []
    assert sum(p["dim"] for p in poultry.context["charts"]["series"]) == 3
    assert "No low-light hotspot in this period." in poultry.content.decode()

    intrusion = client.get("/insights/", {**PERIOD, "type": "intrusion"})
    assert intrusion.context["hotspots"] == []
    assert sum(p["dim"] for p in intrusion.context["charts"]["series"]) == 0
    assert intrusion.context["event_types"] == ["intrusion", "loitering"]

    elsewhere = client.get("/insights/", {"since": "2026-02-01", "until": "2026-02-07"})
    assert elsewhere.context["hotspots"] == [] and elsewhere.context["charts"]["series"] == []


def test_the_csv_links_carry_the_filters_and_export(city, signed_in):
    client = signed_in(Role.LIGHTING_OPERATOR)
    response = client.get("/insights/", {**PERIOD, "type": "loitering"})

    links = response.context["csv"]
    query = parse_qs(urlparse(links["hotspots"]).query)
    assert query["since"] == ["2026-01-10T00:00:00+00:00"]
    assert query["until"] == ["2026-01-14T00:00:00+00:00"]
    assert query["type"] == ["loitering"]
    exported = client.get(links["hotspots"])
    assert exported["Content-Type"].startswith("text/csv")
    assert "Cheapside" in exported.content.decode()
    recommendations = client.get(links["recommendations"]).content.decode()
    assert "Raise the floor on Cheapside" in recommendations
    hours = client.get(links["zone_hours"]).content.decode().splitlines()[1:]
    assert len(hours) == 17 and all("loitering" in line for line in hours)  # hours with one


def test_a_bad_period_is_refused_with_the_reason(city, signed_in):
    client = signed_in(Role.LIGHTING_OPERATOR)

    backwards = client.get("/insights/", {"since": "2026-01-13", "until": "2026-01-10"})
    assert backwards.status_code == 400
    assert "The period starts after it ends." in backwards.content.decode()
    too_long = client.get("/insights/", {"since": "2025-01-01", "until": "2026-01-10"})
    assert too_long.status_code == 400 and "At most 92 days." in too_long.content.decode()
    nonsense = client.get("/insights/", {"since": "yesterday"})
    assert nonsense.status_code == 400


def test_the_default_period_is_the_last_seven_days(signed_in):
    response = signed_in(Role.LIGHTING_OPERATOR).get("/insights/")

    assert response.status_code == 200
    query = response.context["query"]
    assert (query.until - query.since).days == 7
    assert "No analytics stored for this period." in response.content.decode()


def test_a_supervisor_reads_the_insights_but_may_not_draft(city, signed_in):
    response = signed_in(Role.SECURITY_SUPERVISOR).get("/insights/", PERIOD)

    assert response.status_code == 200
    assert "Raise the floor on Cheapside" in response.content.decode()
    assert "Draft programme change" not in response.content.decode()
    assert [i.label for i in response.context["navigation"]] == [
        "Security console",
        "Emergency plans",
        "Insights",
        "Overview",
        "Camera purposes",
        "API",
    ]


@pytest.mark.parametrize(
    "role", [Role.SECURITY_OPERATOR, Role.ASSET_MANAGER, Role.VIEWER], ids=lambda r: r.name
)
def test_roles_that_may_not_read_analytics_neither_see_nor_open_it(role, signed_in):
    client = signed_in(role)

    assert client.get("/insights/").status_code == 403
    home = client.get("/", follow=True)
    assert "Insights" not in [i.label for i in home.context["navigation"]]


def test_the_page_reads_with_a_bounded_number_of_queries(
    city, signed_in, django_assert_max_num_queries
):
    client = signed_in(Role.LIGHTING_OPERATOR)
    with django_assert_max_num_queries(20):  # 16 with one hotspot
        client.get("/insights/", PERIOD)


def test_the_period_links_pick_today_7_or_30_days_keeping_the_zone(city, signed_in):
    client = signed_in(Role.LIGHTING_OPERATOR)
    page = client.get("/insights/", {"type": "loitering"})
    links = {r["label"]: r for r in page.context["ranges"]}
    assert list(links) == ["Today", "7 days", "30 days"]
    assert links["7 days"]["current"]  # the page opens on the last 7 days
    month = parse_qs(urlparse(links["30 days"]["href"]).query)
    today = timezone.localdate()
    assert month["since"] == [(today - timedelta(days=29)).isoformat()]
    assert month["until"] == [today.isoformat()] and month["type"] == ["loitering"]
    followed = client.get("/insights/" + links["30 days"]["href"])
    assert followed.status_code == 200
    assert [r["current"] for r in followed.context["ranges"]] == [False, False, True]
    assert 'aria-current="true">30 days</a>' in followed.content.decode()
