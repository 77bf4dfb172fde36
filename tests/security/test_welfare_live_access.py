"""The live socket follows the user's access as it changes, not as it was at connect.

A security operator kept receiving welfare alarms after being removed from their group,
deactivated and having their sessions deleted. Now a change made through Django reaches the
connection at once (the user's own group, `cityplatform.live_access`), and any other change
within `PERMISSION_TTL_S` (the permissions are read again before a message is delivered on
older ones). Real Redis channel layer, the real consumer behind /ws/live/.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client

from cityplatform import consumers
from cityplatform.asgi import application
from cityplatform.roles import Role
from tests.dashboards.city import alarm_rules, build_city, raise_alarm

pytestmark = [pytest.mark.django_db(transaction=True)]


async def live(user) -> WebsocketCommunicator:
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
    await page.send_json_to({"action": "subscribe", "topics": ["alarms"]})
    assert (await page.receive_json_from())["type"] == "subscribed"
    return page


@pytest.fixture
def city():
    city = build_city(lights_per_zone=1)
    alarm_rules()
    return city


@pytest.fixture
def operator(make_user):
    return make_user(Role.SECURITY_OPERATOR)


async def welfare_alarm(city, event_id: str) -> None:
    await sync_to_async(raise_alarm)(city.cameras[1], event_id, type="vulnerable_person")


async def closed(page: WebsocketCommunicator) -> int | None:
    """The close code the server sent next (None if it sent a message instead)."""
    output = await page.receive_output(timeout=5)
    return output.get("code") if output["type"] == "websocket.close" else None


def _remove_from_groups(user) -> None:
    user.groups.clear()


def _deactivate(user) -> None:
    user.is_active = False
    user.save()


def _delete_sessions(user) -> None:
    sessions = [
        s.pk for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=sessions).delete()


def _change_password(user) -> None:
    user.set_password("another horse battery staple")
    user.save()


@pytest.mark.parametrize(
    "change",
    [_remove_from_groups, _deactivate, _delete_sessions, _change_password],
    ids=["removed from group", "deactivated", "sessions deleted", "password changed"],
)
async def test_a_change_of_access_closes_the_socket_at_once(city, operator, change):
    page = await live(operator)
    await welfare_alarm(city, "w-1")
    assert (await page.receive_json_from(timeout=5))["data"]["category"] == "welfare"

    await sync_to_async(change)(operator)
    assert await closed(page) == consumers.CLOSE_SIGNED_OUT
    await welfare_alarm(city, "w-2")
    assert await page.receive_nothing(timeout=1)
    await page.disconnect()


async def test_a_user_moved_to_a_role_without_welfare_keeps_the_socket_and_loses_welfare(
    city, operator
):
    page = await live(operator)

    def to_viewers():
        operator.groups.set([Group.objects.get(name=Role.VIEWER.value)])

    await sync_to_async(to_viewers)()
    await welfare_alarm(city, "w-1")
    await sync_to_async(raise_alarm)(city.cameras[0], "s-1")
    message = await page.receive_json_from(timeout=5)
    assert message["type"] == "alarm.raised" and message["data"]["category"] == "security"
    assert await page.receive_nothing(timeout=1)
    await page.disconnect()


async def test_a_permission_taken_from_the_group_reaches_its_members_connections(city, operator):
    page = await live(operator)

    def take_welfare_from_operators():
        group = Group.objects.get(name=Role.SECURITY_OPERATOR.value)
        group.permissions.remove(Permission.objects.get(codename="view_welfare_alarm"))

    await sync_to_async(take_welfare_from_operators)()
    await welfare_alarm(city, "w-1")
    await sync_to_async(raise_alarm)(city.cameras[0], "s-1")
    assert (await page.receive_json_from(timeout=5))["data"]["category"] == "security"
    await page.disconnect()


async def test_a_change_made_around_django_takes_effect_within_the_ttl(city, operator, monkeypatch):
    """SQL that sends no signal (here a queryset update): the consumer's own re-check, on
    permissions older than PERMISSION_TTL_S (set to 0 here so the test needs no wait)."""
    page = await live(operator)
    monkeypatch.setattr(consumers, "PERMISSION_TTL_S", 0.0)
    users = get_user_model().objects.filter(pk=operator.pk)
    await sync_to_async(users.update)(is_active=False)
    await welfare_alarm(city, "w-1")
    assert await closed(page) == consumers.CLOSE_SIGNED_OUT
    await page.disconnect()
