"""Faults are live: `fault.raised` and `fault.cleared` reach the subscribers of `faults`, of the
light's zone and of the device, over the Redis layer, whoever detects them; a rollback sends
nothing."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction

from cityplatform.asgi import application
from cityplatform.live import build_message
from cityplatform.roles import Role
from devices.models import AssetState, Fault, Zone
from devices.services.status import devices_mark_silent_offline
from lighting.services.faults import lighting_faults_detect
from tests.lighting.conftest import utc

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis layer (shared by threads)"),
]

NIGHT = utc(2026, 11, 20, 23, 30)
LONG_AGO = NIGHT - timedelta(hours=2)


@pytest.fixture
def cookie_for(make_user, client):
    def make(role: Role) -> bytes:
        client.force_login(make_user(role))
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    return make


async def subscribed(cookie: bytes, topics: list[str]) -> WebsocketCommunicator:
    page = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
    connected, _ = await page.connect()
    assert connected
    await page.send_json_to({"action": "subscribe", "topics": topics})
    reply = await page.receive_json_from(timeout=3)
    assert reply["type"] == "subscribed" and reply["data"]["topics"] == topics
    return page


@pytest.fixture
def failing_lamp(make_light):
    """A light commanded to 100 % two hours ago that draws no power: a lamp failure."""

    def make():
        zone = Zone.objects.create(name="Cheapside")
        light = make_light(
            zone,
            device_id="SL-F1",
            state={
                "online": True,
                "desired_level": 100,
                "desired_since": LONG_AGO,
                "power_w": 0.0,
                "level": 100,
            },
        )
        return zone, light

    return make


async def test_a_faults_subscriber_sees_a_lamp_failure_raised_then_cleared(
    cookie_for, failing_lamp
):
    zone, light = await sync_to_async(failing_lamp)()
    cookie = await sync_to_async(cookie_for)(Role.LIGHTING_OPERATOR)
    page = await subscribed(cookie, ["faults"])

    await sync_to_async(lighting_faults_detect)(now=NIGHT)
    raised = await page.receive_json_from(timeout=5)
    fault = await sync_to_async(Fault.objects.get)(asset=light)
    assert raised["type"] == "fault.raised"
    assert raised["data"] == {
        "id": fault.pk,
        "device_id": "SL-F1",
        "asset_id": light.pk,
        "zone_id": zone.pk,
        "type": "lamp_failure",
        "raised_at": "2026-11-20T23:30:00Z",
        "cleared_at": None,
        "details": fault.details,
    }
    assert raised["data"]["details"]  # what the detector saw

    await sync_to_async(AssetState.objects.filter(pk=light.pk).update)(power_w=58.0)
    await sync_to_async(lighting_faults_detect)(now=NIGHT + timedelta(minutes=10))
    cleared = await page.receive_json_from(timeout=5)
    assert cleared["type"] == "fault.cleared"
    assert cleared["data"]["id"] == fault.pk
    assert cleared["data"]["cleared_at"] == "2026-11-20T23:40:00Z"
    for message in (raised, cleared):  # both round-trip through their schemas
        build_message(message["type"], message["data"])
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


async def test_the_zone_and_the_device_pages_get_the_fault_too(cookie_for, failing_lamp):
    zone, _light = await sync_to_async(failing_lamp)()
    cookie = await sync_to_async(cookie_for)(Role.VIEWER)
    zone_page = await subscribed(cookie, [f"zone:{zone.pk}"])
    device_page = await subscribed(cookie, ["device:SL-F1"])

    await sync_to_async(lighting_faults_detect)(now=NIGHT)
    for page in (zone_page, device_page):
        message = await page.receive_json_from(timeout=5)
        assert (message["type"], message["data"]["device_id"]) == ("fault.raised", "SL-F1")
        await page.disconnect()


async def test_a_rolled_back_detection_sends_nothing(cookie_for, failing_lamp):
    await sync_to_async(failing_lamp)()
    cookie = await sync_to_async(cookie_for)(Role.LIGHTING_OPERATOR)
    page = await subscribed(cookie, ["faults"])

    def detect_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            assert lighting_faults_detect(now=NIGHT)["raised"] == 1
            raise RuntimeError("the worker died before the commit")

    await sync_to_async(detect_then_fail)()
    assert await page.receive_nothing(timeout=1)
    assert not await sync_to_async(Fault.objects.exists)()
    await page.disconnect()


async def test_the_gateways_offline_fault_is_live(cookie_for, make_light):
    def silent_light():
        return make_light(
            device_id="SL-F2",
            state={"online": True, "last_seen_at": NIGHT - timedelta(hours=1)},
        )

    await sync_to_async(silent_light)()
    cookie = await sync_to_async(cookie_for)(Role.ASSET_MANAGER)
    page = await subscribed(cookie, ["faults"])

    assert await sync_to_async(devices_mark_silent_offline)(now=NIGHT) == 1
    message = await page.receive_json_from(timeout=5)
    assert (message["type"], message["data"]["type"]) == ("fault.raised", "offline")
    assert message["data"]["device_id"] == "SL-F2" and message["data"]["zone_id"] is None
    await page.disconnect()
