"""What the pages rely on from /ws/live/ over the Redis layer: zone and device subscriptions,
unsubscribe, errors that leave the socket usable."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from cityplatform.asgi import application
from cityplatform.live import live_publish
from cityplatform.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cookie_for(make_user):
    def make(role: Role) -> bytes:
        # A client each: signing a second user in on one client ends the first one's session
        # (and the live socket now follows the session).
        client = Client()
        client.force_login(make_user(role))
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    return make


async def connect(cookie: bytes) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def publish_light(device_id: str, zone_id: int, level: float) -> None:
    live_publish(
        kind="light.state",
        data={"device_id": device_id, "level": level, "zone_id": zone_id},
        topics=[f"zone:{zone_id}", f"device:{device_id}"],
    )


async def test_the_tests_use_the_redis_layer():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


async def test_a_zone_subscriber_gets_its_zone_and_not_another(cookie_for):
    cookie = await sync_to_async(cookie_for)(Role.LIGHTING_OPERATOR)
    page = await connect(cookie)
    await page.send_json_to({"action": "subscribe", "topics": ["zone:7001"]})
    assert (await page.receive_json_from())["data"]["topics"] == ["zone:7001"]

    await sync_to_async(publish_light)("SL-OTHER", 7002, 80)
    assert await page.receive_nothing(timeout=0.5)
    await sync_to_async(publish_light)("SL-1", 7001, 100)
    message = await page.receive_json_from(timeout=3)
    assert message["type"] == "light.state"
    assert message["data"]["device_id"] == "SL-1" and message["data"]["level"] == 100
    await page.disconnect()


async def test_after_unsubscribe_nothing_more_arrives(cookie_for):
    cookie = await sync_to_async(cookie_for)(Role.VIEWER)
    page = await connect(cookie)
    await page.send_json_to({"action": "subscribe", "topics": ["zone:7003", "device:SL-9"]})
    await page.receive_json_from()
    await page.send_json_to({"action": "unsubscribe", "topics": ["zone:7003", "device:SL-9"]})
    reply = await page.receive_json_from()
    assert reply["type"] == "unsubscribed"
    assert set(reply["data"]["topics"]) == {"zone:7003", "device:SL-9"}

    await sync_to_async(publish_light)("SL-9", 7003, 60)
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


async def test_a_device_message_reaches_the_device_page_once(cookie_for):
    cookie = await sync_to_async(cookie_for)(Role.ASSET_MANAGER)
    page = await connect(cookie)
    await page.send_json_to({"action": "subscribe", "topics": ["device:SL-5", "zone:7005"]})
    await page.receive_json_from()
    await sync_to_async(publish_light)("SL-5", 7005, 42)
    message = await page.receive_json_from(timeout=3)
    assert message["data"]["level"] == 42
    assert await page.receive_nothing(timeout=0.5)  # one message, though both topics match
    await page.disconnect()


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        "[1, 2]",
        '{"action": "subscribe"}',
        '{"action": "subscribe", "topics": [1]}',
        '{"action": "explode", "topics": []}',
        "x" * 20_000,
    ],
)
async def test_a_malformed_message_gets_an_error_and_the_socket_stays_usable(cookie_for, bad):
    cookie = await sync_to_async(cookie_for)(Role.VIEWER)
    page = await connect(cookie)
    await page.send_to(text_data=bad)
    error = await page.receive_json_from()
    assert error["type"] == "error" and error["data"]["message"]

    await page.send_json_to({"action": "subscribe", "topics": ["zone:7010"]})
    assert (await page.receive_json_from())["type"] == "subscribed"
    await sync_to_async(publish_light)("SL-10", 7010, 75)
    assert (await page.receive_json_from(timeout=3))["data"]["level"] == 75
    await page.disconnect()


async def test_a_viewer_receives_no_welfare_alarm_but_an_operator_does(cookie_for):
    from tests.dashboards.city import alarm_rules, build_city, raise_alarm

    city = await sync_to_async(build_city)(lights_per_zone=1)
    await sync_to_async(alarm_rules)()
    viewer = await connect(await sync_to_async(cookie_for)(Role.VIEWER))
    operator = await connect(await sync_to_async(cookie_for)(Role.SECURITY_OPERATOR))
    for page in (viewer, operator):
        await page.send_json_to({"action": "subscribe", "topics": ["alarms"]})
        assert (await page.receive_json_from())["type"] == "subscribed"

    welfare_camera = city.cameras[1]  # in the high-risk site
    await sync_to_async(raise_alarm)(welfare_camera, "w-1", type="vulnerable_person")

    message = await operator.receive_json_from(timeout=5)
    assert message["type"] == "alarm.raised"
    assert message["data"]["category"] == "welfare"
    assert await viewer.receive_nothing(timeout=1)

    await sync_to_async(raise_alarm)(city.cameras[0], "s-1")
    seen = await viewer.receive_json_from(timeout=5)
    assert seen["type"] == "alarm.raised" and seen["data"]["category"] == "security"
    await viewer.disconnect()
    await operator.disconnect()
