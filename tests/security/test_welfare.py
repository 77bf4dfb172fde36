"""Welfare data (early warnings of people at risk at high-risk sites) reaches only the roles
allowed to see welfare alarms (`cctv.view_welfare_alarm`), on every channel.

The city has a welfare alarm whose rule has a lighting response (an override on the high-risk
site's lights), and correlation analytics that count welfare events. Every role reads every
channel where an override's reason or alarm link, a welfare event or a welfare count could
surface: the REST lists and details (overrides, alarms, events, commands, the explain view of a
light), the analytics (zone hours, hotspots, recommendations, stored reports, latency) with
their CSV exports, the pages (/lighting/, /security/, /insights/, /overview/) and the live
WebSocket (`override.started`, `override.ended`, alarms). A role without the permission sees no
alarm id, no rule name, no welfare wording, no welfare count; a role with it sees everything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from cctv.analytics.reports import analytics_report_compute
from cctv.models import Alarm, ZoneHour
from cctv.services.alarms import alarm_close
from cctv.services.rules import alarm_rule_create
from cityplatform.asgi import application
from cityplatform.celery import app as celery_app
from cityplatform.permissions import has_perm
from cityplatform.roles import Role
from devices.choices import ZoneKind
from devices.models import Zone
from lighting.models import Calendar, CalendarAssignment, Override, Programme
from lighting.visibility import NEUTRAL_REASON
from tests.dashboards.city import build_city, raise_alarm

WELFARE = "cctv.view_welfare_alarm"
RULE_NAME = "Early warning at high-risk sites"
NIGHTS = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
PERIOD = {"since": "2026-01-10T12:00:00Z", "until": "2026-01-13T12:00:00Z"}

# Every role of cityplatform.roles, and a superuser (an administrator without the group).
PRINCIPALS = [*(r.value for r in Role), "superuser"]


def principal(make_user, name: str):
    return make_user(superuser=True) if name == "superuser" else make_user(Role(name))


def leaks(text: str, alarm_pk: int) -> list[str]:
    """The welfare markers found in a body: the alarm's number, its rule's name, welfare words."""
    lowered = text.lower()
    markers = ["early warning", "vulnerable", "welfare", f"alarm #{alarm_pk}"]
    found = [m for m in markers if m in lowered]
    if alarm_pk in alarm_ids(text):
        found.append(f"alarm_id {alarm_pk}")
    return found


def alarm_ids(text: str) -> set[int]:
    """Every non-null `alarm_id` in a JSON body (nothing for a body that is not JSON)."""
    try:
        value = json.loads(text)
    except ValueError:
        return set()
    found: set[int] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "alarm_id" and item is not None:
                    found.add(item)
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def zone_hours(zone, per_type: dict[str, int], nights: int = 3) -> None:
    """Stored analytics: `nights` dark, dim nights with these events (type → count) spread over
    01:00–05:00, as the periodic analytics would have computed them."""
    rows = []
    for n in range(nights):
        for h in range(24):
            hour = NIGHTS + timedelta(days=n, hours=h)
            dark = 1.0 if hour.hour >= 17 or hour.hour < 7 else 0.0
            counts = {}
            if 1 <= hour.hour <= 4:
                counts = {
                    t: c // (4 * nights) + (1 if n < c % nights else 0) for t, c in per_type.items()
                }
                counts = {t: c for t, c in counts.items() if c}
            rows.append(
                ZoneHour(
                    zone=zone,
                    hour=hour,
                    events=counts,
                    events_dim=counts if dark else {},
                    lights=10,
                    cameras=1,
                    mean_level=30.0 if dark else 0.0,
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


def welfare_rule() -> None:
    alarm_rule_create(
        actor="tests",
        name=RULE_NAME,
        category="welfare",
        event_types=["vulnerable_person"],
        priority=1,
        light_scope="zone",
        light_level=60,
        light_duration_s=600,
    )


@pytest.fixture
def eager_tasks():
    """The alarm task runs in-process, after the commit."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def welfare(django_capture_on_commit_callbacks, eager_tasks):
    """The city, its welfare rule with a lighting response, one welfare alarm (and its
    override), and analytics counting welfare and security events alike."""
    city = build_city(lights_per_zone=2)
    welfare_rule()
    alarm_rule_create(actor="tests", name="Intrusion", event_types=["intrusion"], priority=10)
    with django_capture_on_commit_callbacks(execute=True):  # the alarm task runs after commit
        raise_alarm(city.cameras[1], "w-1", type="vulnerable_person")
    alarm = Alarm.objects.get(category="welfare")
    override = Override.objects.get(alarm_id=alarm.pk)
    assert override.reason.startswith(f"Alarm #{alarm.pk}: ")
    cheapside = city.zones[0]
    poultry = Zone.objects.create(name="Poultry", kind=ZoneKind.STREET)
    zone_hours(cheapside, {"loitering": 48, "vulnerable_person": 48})
    zone_hours(poultry, {"loitering": 3, "vulnerable_person": 3})
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
    report = analytics_report_compute(since=NIGHTS, until=NIGHTS + timedelta(days=3))
    assert {h["event_type"] for h in report.hotspots} == {"loitering", "vulnerable_person"}
    return city, alarm, override, report


def channels_of(city, alarm, override, report) -> dict[str, str]:
    """Every REST and page address to read (name → path)."""
    light = city.lights[2]  # in the high-risk site, under the welfare response
    query = "&".join(f"{k}={v}" for k, v in PERIOD.items())
    typed = query + "&type=vulnerable_person"
    return {
        "overrides": "/api/v1/lighting/overrides/",
        "overrides active": "/api/v1/lighting/overrides/?state=active",
        "override detail": f"/api/v1/lighting/overrides/{override.pk}/",
        "overrides by alarm": f"/api/v1/lighting/overrides/?alarm_id={alarm.pk}",
        "overrides by reason order": "/api/v1/lighting/overrides/?ordering=reason",
        "explain": f"/api/v1/lighting/lights/{light.device_id}/explain/",
        "commands": "/api/v1/lighting/commands/",
        "light commands": f"/api/v1/lighting/commands/?light={light.pk}",
        "alarms": "/api/v1/cctv/alarms/",
        "alarm detail": f"/api/v1/cctv/alarms/{alarm.pk}/",
        "events": "/api/v1/cctv/events/",
        "zone hours": f"/api/v1/cctv/analytics/zone-hours/?{query}",
        "zone hours welfare": f"/api/v1/cctv/analytics/zone-hours/?{typed}",
        "zone hours csv": f"/api/v1/cctv/analytics/zone-hours/csv/?{query}",
        "zone hours csv welfare": f"/api/v1/cctv/analytics/zone-hours/csv/?{typed}",
        "hotspots": f"/api/v1/cctv/analytics/hotspots/?{query}",
        "hotspots welfare": f"/api/v1/cctv/analytics/hotspots/?{typed}",
        "hotspots csv": f"/api/v1/cctv/analytics/hotspots/csv/?{query}",
        "recommendations": f"/api/v1/cctv/analytics/recommendations/?{query}",
        "recommendations csv": f"/api/v1/cctv/analytics/recommendations/csv/?{query}",
        "reports": "/api/v1/cctv/analytics/reports/",
        "report detail": f"/api/v1/cctv/analytics/reports/{report.pk}/",
        "latency": "/api/v1/cctv/analytics/latency/",
        "lighting page": "/lighting/",
        "security console": "/security/",
        "emergency plans page": "/security/plans/",
        "emergency plan runs": "/api/v1/emergency/plan-runs/",
        "insights page": "/insights/?type=vulnerable_person&since=2026-01-10&until=2026-01-13",
        "insights page all types": "/insights/?since=2026-01-10&until=2026-01-13",
        "overview page": "/overview/",
        "light page": f"/assets/{light.device_id}/",
        "map data": f"/pages/map.json?zones={city.zones[1].pk}",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", PRINCIPALS)
def test_no_channel_shows_welfare_data_to_a_role_without_the_permission(who, make_user, welfare):
    city, alarm, override, report = welfare
    user = principal(make_user, who)
    allowed = has_perm(user, WELFARE)
    browser = Client()
    browser.force_login(user)

    read: dict[str, tuple[int, str]] = {}
    insights = None
    for name, path in channels_of(city, alarm, override, report).items():
        response = browser.get(path)
        read[name] = (response.status_code, response.content.decode())
        if name == "insights page" and response.status_code == 200:
            insights = response.context
    assert read["overrides"][0] == 200  # every role reads the overrides

    if not allowed:
        # The page asked for ?type=vulnerable_person shows that filter back (the user's own
        # words), and nothing of the type: no hotspot, no recommendation, no count.
        if insights is not None:
            assert insights["hotspots"] == [] and insights["recommendations"] == []
            assert all(
                p["dim"] == p["lit"] == p["other"] == 0 for p in insights["charts"]["series"]
            )
            assert "vulnerable_person" not in insights["event_types"]
        found = {
            name: leaks(body, alarm.pk)
            for name, (status, body) in read.items()
            if status == 200 and name != "insights page"
        }
        assert {name: markers for name, markers in found.items() if markers} == {}
        # The override itself is there, neutral: the lights went up for everyone to see.
        listed = json.loads(read["override detail"][1])
        assert listed["reason"] == NEUTRAL_REASON and listed["alarm_id"] is None
        assert json.loads(read["overrides by alarm"][1])["count"] == 0
        assert read["alarm detail"][0] in (403, 404)
        return

    # A role that may see welfare alarms sees all of it.
    detail = json.loads(read["override detail"][1])
    assert detail["reason"].startswith(f"Alarm #{alarm.pk}: ") and detail["alarm_id"] == alarm.pk
    assert [o["id"] for o in json.loads(read["overrides by alarm"][1])["results"]] == [override.pk]
    explained = json.loads(read["explain"][1])
    assert explained["override"]["alarm_id"] == alarm.pk
    assert f"by alarm #{alarm.pk}" in explained["text"]
    if read["lighting page"][0] == 200:
        assert f"Alarm #{alarm.pk}" in read["lighting page"][1]
    if has_perm(user, "cctv.view_zonehour"):
        assert json.loads(read["zone hours welfare"][1])["count"] > 0
        assert "vulnerable_person" in read["zone hours csv"][1]
        spots = json.loads(read["hotspots"][1])["results"]
        assert {s["event_type"] for s in spots} == {"loitering", "vulnerable_person"}
        stored = json.loads(read["report detail"][1])
        assert {h["event_type"] for h in stored["hotspots"]} == {"loitering", "vulnerable_person"}
        assert "vulnerable" in read["insights page"][1]
    if has_perm(user, "dashboards.view_security_console"):
        assert RULE_NAME in read["security console"][1]


@pytest.mark.django_db
@pytest.mark.parametrize("who", PRINCIPALS)
def test_the_analytics_leave_welfare_counts_out_for_a_role_without_the_permission(
    who, make_user, welfare
):
    """The numbers, not only the words: the counts of the other types are unchanged, the welfare
    type's are gone, and a draft for a welfare recommendation is refused like one for nothing."""
    city, _alarm, _override, _report = welfare
    user = principal(make_user, who)
    if not has_perm(user, "cctv.view_zonehour"):
        return
    browser = Client()
    browser.force_login(user)
    allowed = has_perm(user, WELFARE)
    rows = browser.get("/api/v1/cctv/analytics/zone-hours/", {**PERIOD, "page_size": 500}).json()
    totals: dict[str, int] = {}
    for row in rows["results"]:
        for kind, count in row["events"].items():
            totals[kind] = totals.get(kind, 0) + count
    assert totals.get("loitering", 0) > 0
    assert ("vulnerable_person" in totals) is allowed
    listed = browser.get("/api/v1/cctv/analytics/reports/").json()["results"][0]
    assert listed["hotspot_count"] == (2 if allowed else 1)
    if has_perm(user, "lighting.add_programme"):
        body = {"zone": city.zones[0].pk, "type": "vulnerable_person", **PERIOD}
        drafted = browser.post(
            "/api/v1/cctv/analytics/recommendations/draft/", body, content_type="application/json"
        )
        assert drafted.status_code == (201 if allowed else 409), drafted.content


# --- The live channel -------------------------------------------------------------------------


async def live_connect(user) -> WebsocketCommunicator:
    browser = Client()
    await sync_to_async(browser.force_login)(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    page = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
    connected, _ = await page.connect()
    assert connected
    return page


async def received(page: WebsocketCommunicator, until_kind: str, timeout: float = 5) -> list:
    """The messages up to and including the first of `until_kind`."""
    messages = []
    while True:
        message = await page.receive_json_from(timeout=timeout)
        messages.append(message)
        if message["type"] == until_kind:
            return messages


def welfare_alarm_with_response():
    city = build_city(lights_per_zone=2)
    welfare_rule()
    return city


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", PRINCIPALS)
async def test_live_override_messages_are_neutral_for_a_role_without_the_permission(who, make_user):
    city = await sync_to_async(welfare_alarm_with_response)()
    user = await sync_to_async(principal)(make_user, who)
    allowed = await sync_to_async(has_perm)(user, WELFARE)
    page = await live_connect(user)
    site = city.zones[1]
    await page.send_json_to(
        {"action": "subscribe", "topics": ["overrides", f"zone:{site.pk}", "alarms"]}
    )
    await received(page, "subscribed")

    alarm = await sync_to_async(raise_alarm)(city.cameras[1], "w-1", type="vulnerable_person")
    started = await received(page, "override.started")
    await sync_to_async(alarm_close)(alarm=alarm, actor="tests", resolution="resolved")
    ended = await received(page, "override.ended")
    await page.disconnect()

    texts = [json.dumps(m) for m in started + ended]
    last_started, last_ended = started[-1]["data"], ended[-1]["data"]
    if allowed:
        assert last_started["reason"].startswith(f"Alarm #{alarm.pk}: ")
        assert last_started["alarm_id"] == alarm.pk == last_ended["alarm_id"]
        assert any(m["type"] == "alarm.raised" for m in started + ended)
        return
    assert [leaks(t, alarm.pk) for t in texts if leaks(t, alarm.pk)] == []
    assert last_started["reason"] == NEUTRAL_REASON and last_started["alarm_id"] is None
    assert last_ended["alarm_id"] is None and last_ended["level"] == 60
