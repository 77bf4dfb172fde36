"""Every JSON input from outside goes through one bounded loader (cityplatform/json_input.py):
depth and size are bounded before parsing, and what JSON or PostgreSQL cannot hold is refused
with a typed reason. 5,000 nested brackets were a 500 on the API and aborted a WebSocket."""

import pytest
from channels.testing import WebsocketCommunicator

from cityplatform.asgi import application
from cityplatform.json_input import (
    MAX_DEPTH,
    BadNumber,
    NotJson,
    Nul,
    Surrogate,
    TooDeep,
    TooLarge,
    json_depth,
    json_loads_bounded,
)
from cityplatform.roles import Role

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the loader ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]"]', 1),  # brackets in strings do not count
        (r'["\"[[[[", "\\", [[]]]', 3),  # nor after escaped quotes and backslashes
        (nested(40), 40),
    ],
)
def test_the_depth_is_read_without_parsing(text, depth):
    assert json_depth(text) == depth


def test_the_depth_limit_is_exact():
    assert json_loads_bounded(nested(MAX_DEPTH), max_bytes=None) is not None
    with pytest.raises(TooDeep, match=f"deeper than {MAX_DEPTH} levels"):
        json_loads_bounded(nested(MAX_DEPTH + 1), max_bytes=None)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (DEEP, TooDeep),
        (DEEP_OBJECT, TooDeep),
        ('"' + "[" * 5000, TooDeep),  # an unclosed string hides nothing from the scan
        (b"[" + b"1," * 600_000 + b"1]", TooLarge),
        (b"\xff\xfe[]", NotJson),
        ("[1, NaN]", NotJson),
        ('{"a": -Infinity}', NotJson),
        ("[1e400]", BadNumber),
        ("[" + "9" * 5000 + "]", BadNumber),
        ('["a\\u0000"]', Nul),
        ('{"\\u0000": 1}', Nul),
        ('["\\ud800"]', Surrogate),
        ('["\udc00"]'.encode("utf-8", "surrogatepass"), Surrogate),
    ],
    ids=[
        "5000 arrays",
        "5000 objects",
        "unclosed string",
        "1 MiB",
        "not UTF-8",
        "NaN",
        "-Infinity",
        "1e400",
        "5000 digits",
        "NUL",
        "NUL key",
        "surrogate escape",
        "surrogate bytes",
    ],
)
def test_what_json_or_postgresql_cannot_hold_is_refused_with_its_type(data, error):
    with pytest.raises(error):
        json_loads_bounded(data, max_bytes=1024 * 1024)


# --- the API (every JSON body, through the default parser) --------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/api/v1/auth/token/", "/api/v1/lighting/overrides/", "/api/v1/zones/"],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_a_json_body_5000_deep_is_a_400_naming_the_depth(url, body, make_user, api_client):
    client = api_client(make_user(superuser=True))
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "message": f"The JSON body is refused: JSON nested deeper than {MAX_DEPTH} levels.",
        "extra": {"body": "too deep"},
    }


@pytest.mark.django_db
def test_a_json_body_with_a_number_out_of_range_or_a_surrogate_is_a_400(make_user, api_client):
    client = api_client(make_user(superuser=True))
    for body, label in (
        ('{"name": 1e400}', "number out of range"),
        ('{"name": "\\ud800"}', "invalid Unicode"),
    ):
        response = client.post("/api/v1/zones/", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert response.json()["extra"] == {"body": label}


# --- the WebSocket --------------------------------------------------------------------------------


@pytest.fixture
def viewer_cookie(make_user, client):
    client.force_login(make_user(Role.VIEWER))
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_frame_5000_deep_gets_an_error_and_the_socket_goes_on(viewer_cookie):
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", viewer_cookie),
    ]
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    for frame in (DEEP, '{"action": "subscribe", "topics": ' + nested(4000) + "}"):
        await communicator.send_to(text_data=frame)
        reply = await communicator.receive_json_from(timeout=3)
        assert reply["type"] == "error"
        assert reply["data"]["body"] == "too deep"
    await communicator.send_json_to({"action": "subscribe", "topics": ["system"]})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribed"
    await communicator.disconnect()
