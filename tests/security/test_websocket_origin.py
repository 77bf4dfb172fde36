"""The live WebSocket's Origin check: exact origins (scheme, host and port), as Django's CSRF
check has them for forms, never "any port or scheme of an allowed host"."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.test import Client

from cityplatform.asgi import application
from cityplatform.roles import Role
from cityplatform.websocket_origin import SiteOriginValidator, origin_allowed


class Accepting(AsyncWebsocketConsumer):
    # No channel layer: the check alone is under test (a Redis layer's receive, cancelled when
    # the test's event loop closes, once held the teardown for 300 s).
    channel_layer_alias = "none"

    async def connect(self):
        await self.accept()


GUARDED = SiteOriginValidator(Accepting.as_asgi())  # the check alone, before any consumer


async def opens(
    cookie: bytes = b"", *, origin: bytes | None, host: bytes, scheme: str = "ws", app=GUARDED
) -> bool:
    headers = [(b"host", host), (b"cookie", cookie)]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(app, "/ws/live/", headers=headers)
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
async def test_the_platform_socket_takes_its_own_origin_and_refuses_another_port(make_user):
    def signed_in() -> bytes:
        client = Client()
        client.force_login(make_user(Role.VIEWER))
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    cookie = await sync_to_async(signed_in)()
    own, other = b"http://127.0.0.1:8000", b"http://127.0.0.1:8081"
    assert not await opens(cookie, origin=other, host=b"127.0.0.1:8000", app=application)
    assert await opens(cookie, origin=own, host=b"127.0.0.1:8000", app=application)


async def test_the_pages_own_origin_opens_the_socket():
    assert await opens(origin=b"http://127.0.0.1:8000", host=b"127.0.0.1:8000")
    assert await opens(origin=b"http://localhost", host=b"localhost")
    assert await opens(origin=b"https://localhost", host=b"localhost", scheme="wss")


async def test_another_port_or_scheme_of_the_same_host_is_refused():
    """Another program on the city's server (a test page, a plug-in's UI) is another site."""
    assert not await opens(origin=b"http://127.0.0.1:8081", host=b"127.0.0.1:8000")
    assert not await opens(origin=b"http://127.0.0.1", host=b"127.0.0.1:8000")
    assert not await opens(origin=b"https://127.0.0.1:8000", host=b"127.0.0.1:8000")
    assert not await opens(origin=b"http://localhost", host=b"localhost", scheme="wss")


async def test_a_foreign_host_a_host_not_allowed_and_no_origin_are_refused():
    assert not await opens(origin=b"https://evil.example", host=b"127.0.0.1")
    assert not await opens(origin=b"http://evil.example", host=b"evil.example")
    assert not await opens(origin=None, host=b"127.0.0.1")
    assert not await opens(origin=b"null", host=b"127.0.0.1")
    assert not await opens(origin=b"http://127.0.0.1.evil.example", host=b"127.0.0.1")


def test_a_trusted_origin_is_matched_exactly(settings):
    """Read by the check itself (an async test changing CSRF_TRUSTED_ORIGINS held its event
    loop's teardown for 300 s, twice; the validator's ASGI path is the other tests')."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.city.example"]
    host = "127.0.0.1"
    assert origin_allowed(origin="https://console.city.example", host=host, secure=False)
    assert not origin_allowed(origin="https://console.city.example:8443", host=host, secure=False)
    assert not origin_allowed(origin="http://console.city.example", host=host, secure=False)


async def test_behind_tls_the_page_origin_is_https(settings):
    settings.HTTPS = True  # a TLS proxy in front; the socket reaches the platform as ws://
    assert await opens(origin=b"https://localhost", host=b"localhost")
    assert not await opens(origin=b"http://localhost", host=b"localhost")
