"""Live updates over /ws/live/: refused when anonymous, sent only after a commit (Redis layer)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction

from cityplatform.asgi import application
from cityplatform.live import live_publish
from cityplatform.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True)]


class Rollback(Exception):
    pass


@pytest.fixture
def viewer_cookie(make_user, client):
    client.force_login(make_user(Role.VIEWER))
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def connect(cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


def publish_notice(text: str, *, commit: bool) -> None:
    try:
        with transaction.atomic():
            live_publish(kind="system.notice", data={"text": text}, topics=["system"])
            if not commit:
                raise Rollback
    except Rollback:
        pass


async def test_the_redis_layer_is_in_use():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


async def test_anonymous_connection_is_refused():
    communicator = connect()
    connected, _ = await communicator.connect()
    assert not connected


async def test_published_after_commit_not_after_rollback(viewer_cookie):
    communicator = connect(viewer_cookie)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"action": "subscribe", "topics": ["system"]})
    assert (await communicator.receive_json_from())["type"] == "subscribed"

    await sync_to_async(publish_notice)("rolled back", commit=False)
    assert await communicator.receive_nothing(timeout=0.5)

    await sync_to_async(publish_notice)("committed", commit=True)
    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "system.notice"
    assert message["data"] == {"level": "info", "text": "committed"}
    assert "ts" in message
    await communicator.disconnect()


async def test_malformed_messages_get_an_error_and_the_socket_stays_usable(viewer_cookie):
    communicator = connect(viewer_cookie)
    await communicator.connect()
    for bad in (
        "not json",
        '["subscribe"]',
        '{"action": "dance"}',
        '{"action": "subscribe", "topics": "x"}',
    ):
        await communicator.send_to(text_data=bad)
        reply = await communicator.receive_json_from()
        assert reply["type"] == "error", bad
    await communicator.send_json_to(
        {"action": "subscribe", "topics": ["nowhere", "zone:abc", "system"]}
    )
    assert (await communicator.receive_json_from())["data"]["topics"] == ["system"]
    refused = await communicator.receive_json_from()
    assert set(refused["data"]["topics"]) == {"nowhere", "zone:abc"}
    await communicator.send_json_to({"action": "unsubscribe", "topics": ["system"]})
    assert (await communicator.receive_json_from())["type"] == "unsubscribed"
    await sync_to_async(publish_notice)("after unsubscribe", commit=True)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_unknown_kind_or_bad_data_is_refused_at_publish():
    from pydantic import ValidationError

    with pytest.raises(ValueError, match="unknown live message kind"):
        await sync_to_async(live_publish)(kind="no.such", data={}, topics=["system"])
    with pytest.raises(ValidationError):
        await sync_to_async(live_publish)(
            kind="system.notice", data={"txt": "typo"}, topics=["system"]
        )
