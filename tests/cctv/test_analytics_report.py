"""The nightly analytics report: a period's hotspots and recommendations stored by a beat
task, idempotent, re-runnable for any past period, and read through the API."""

from datetime import UTC, datetime, timedelta

import pytest

from cctv.analytics.hotspots import hotspots_list, recommendations_list
from cctv.models import AnalyticsReport
from cctv.tasks import analytics_report
from cityplatform.celery import app
from cityplatform.roles import Role
from tests.dashboards.insights_city import NIGHTS, build_insights_city

pytestmark = pytest.mark.django_db

SINCE = NIGHTS
UNTIL = NIGHTS + timedelta(days=3)


def test_a_past_period_is_stored_with_the_hotspot_and_a_rerun_gives_identical_rows():
    # Given three nights of zone-hours where Cheapside is dim with many loitering events
    city = build_insights_city()
    # When the task runs for that past period, twice
    first = analytics_report(since=SINCE.isoformat(), until=UNTIL.isoformat())
    stored = AnalyticsReport.objects.get(pk=first)
    again = analytics_report(since=SINCE.isoformat(), until=UNTIL.isoformat())
    # Then there is one report for the period, with the same rows as the on-request endpoints
    assert again == first and AnalyticsReport.objects.count() == 1
    report = AnalyticsReport.objects.get(pk=first)
    assert [(h["zone_name"], h["event_type"]) for h in report.hotspots] == [
        ("Cheapside", "loitering")
    ]
    assert report.hotspots == stored.hotspots and report.recommendations == stored.recommendations
    assert report.hotspots == _json(hotspots_list(since=SINCE, until=UNTIL))
    assert report.recommendations == _json(recommendations_list(since=SINCE, until=UNTIL))
    assert report.recommendations[0]["draft"]["body"]["zone"] == city.cheapside.pk


def _json(value):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def test_the_nightly_run_covers_the_28_days_to_midnight_and_is_on_the_beat_schedule():
    build_insights_city()
    midnight = datetime(2026, 1, 14, tzinfo=UTC)
    report = AnalyticsReport.objects.get(pk=analytics_report(until=midnight.isoformat()))
    assert (report.since, report.until) == (midnight - timedelta(days=28), midnight)
    assert len(report.hotspots) == 1
    today = AnalyticsReport.objects.get(pk=analytics_report())  # beat's call: to today's midnight
    assert today.until.time() == datetime.min.time() and today.until <= datetime.now(UTC)
    assert today.until - today.since == timedelta(days=28)
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "cctv.tasks.analytics_report" in schedule


def test_reports_are_listed_newest_first_and_read_whole_by_analysts_only(make_user, api_client):
    build_insights_city()
    older = analytics_report(since=SINCE.isoformat(), until=(UNTIL - timedelta(days=1)).isoformat())
    newer = analytics_report(since=SINCE.isoformat(), until=UNTIL.isoformat())
    client = api_client(make_user(Role.LIGHTING_OPERATOR))

    listed = client.get("/api/v1/cctv/analytics/reports/").json()["results"]
    assert [r["id"] for r in listed] == [newer, older]
    assert listed[0]["hotspot_count"] == 1 and listed[0]["recommendation_count"] == 1
    assert "hotspots" not in listed[0]

    whole = client.get(f"/api/v1/cctv/analytics/reports/{newer}/").json()
    assert whole["hotspots"][0]["zone_name"] == "Cheapside"
    assert whole["recommendations"][0]["text"].startswith("Raise the floor on Cheapside")
    assert client.get("/api/v1/cctv/analytics/reports/999999/").status_code == 404

    assert (
        api_client(make_user(Role.VIEWER)).get("/api/v1/cctv/analytics/reports/").status_code == 403
    )
    assert api_client(None).get("/api/v1/cctv/analytics/reports/").status_code in (401, 403)


def test_an_empty_period_is_refused():
    with pytest.raises(Exception, match="empty"):
        analytics_report(since=UNTIL.isoformat(), until=SINCE.isoformat())
