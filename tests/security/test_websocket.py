"""Authorisation of the live WebSocket /ws/live/: who may connect, which topics each role may
subscribe to (every registered topic, so it grows with the apps), and what each receives."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from cityplatform import live
from cityplatform.asgi import application
from cityplatform.permissions import has_perm
from cityplatform.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True)]

# A parameter each topic takes (an import job is named by its UUID, in hex).
EXAMPLE_PARAMETER = {"zone": "1", "device": "SL-0001", "import": "0" * 32}


def example_topics() -> list[str]:
    topics = []
    for name, spec in sorted(live._topics.items()):
        topics.append(f"{name}:{EXAMPLE_PARAMETER.get(name, '1')}" if spec.parameter else name)
    return topics


def connect(cookie: bytes | None = None, origin: bytes = b"http://127.0.0.1"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


@pytest.fixture
def cookie_of():
    def make(user) -> bytes:
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    return make


async def refused(cookie=None, **options) -> bool:
    communicator = connect(cookie, **options)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return not connected


async def test_anonymous_a_user_without_role_and_an_inactive_user_are_refused(make_user, cookie_of):
    no_role = await sync_to_async(make_user)()
    inactive = await sync_to_async(make_user)(Role.VIEWER)
    inactive_cookie = await sync_to_async(cookie_of)(inactive)
    await sync_to_async(get_user_model().objects.filter(pk=inactive.pk).update)(is_active=False)
    assert await refused()
    assert await refused(await sync_to_async(cookie_of)(no_role))
    assert await refused(inactive_cookie)


async def test_another_sites_page_cannot_open_the_socket(make_user, cookie_of):
    viewer = await sync_to_async(make_user)(Role.VIEWER)
    cookie = await sync_to_async(cookie_of)(viewer)
    assert await refused(cookie, origin=b"https://evil.example")
    assert not await refused(cookie)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name.lower())
async def test_each_role_subscribes_only_to_the_topics_it_may_see(role, make_user, cookie_of):
    user = await sync_to_async(make_user)(role)
    communicator = connect(await sync_to_async(cookie_of)(user))
    connected, _ = await communicator.connect()
    assert connected
    topics = example_topics()
    await communicator.send_json_to({"action": "subscribe", "topics": topics})
    accepted: set[str] = set()
    refused_topics: set[str] = set()
    while True:
        reply = await communicator.receive_json_from(timeout=3)
        if reply["type"] == "subscribed":
            accepted |= set(reply["data"]["topics"])
        else:
            refused_topics |= set(reply["data"]["topics"])
        if accepted | refused_topics == set(topics):
            break
    for topic in topics:
        allowed = await sync_to_async(has_perm)(user, live.topic_permission(topic))
        assert (topic in accepted) == allowed, f"{role.value} and topic {topic}"
    await communicator.disconnect()


async def test_a_message_narrowed_to_a_permission_reaches_only_those_who_hold_it(
    make_user, cookie_of
):
    viewer = await sync_to_async(make_user)(Role.VIEWER)
    admin = await sync_to_async(make_user)(superuser=True)
    sockets = {}
    for name, user in (("viewer", viewer), ("admin", admin)):
        sockets[name] = connect(await sync_to_async(cookie_of)(user))
        assert (await sockets[name].connect())[0]
        await sockets[name].send_json_to({"action": "subscribe", "topics": ["system"]})
        assert (await sockets[name].receive_json_from())["type"] == "subscribed"

    def publish():
        from django.db import transaction

        with transaction.atomic():
            live.live_publish(
                kind="system.notice",
                data={"text": "audit only"},
                topics=["system"],
                permission="cityplatform.view_auditentry",
            )

    await sync_to_async(publish)()
    message = await sockets["admin"].receive_json_from(timeout=3)
    assert message["data"]["text"] == "audit only"
    assert await sockets["viewer"].receive_nothing(timeout=0.5)
    for communicator in sockets.values():
        await communicator.disconnect()
