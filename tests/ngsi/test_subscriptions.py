"""NGSI-LD subscriptions: create, list, read, update, delete, every bad body answered with a
ProblemDetails 400 in words, and who sees whose subscription."""

import json

import pytest

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from ngsi.models import Subscription

pytestmark = pytest.mark.django_db

URL = "/ngsi-ld/v1/subscriptions"


def body(**overrides) -> dict:
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Streetlight"}],
        "watchedAttributes": ["illuminanceLevel"],
        "q": "illuminanceLevel>0.1",
        "notification": {
            "attributes": ["illuminanceLevel", "powerState"],
            "format": "keyValues",
            "endpoint": {"uri": "http://127.0.0.1:9/notify", "accept": "application/json"},
        },
        "throttling": 5,
    }
    sub.update(overrides)
    return sub


def post(client, payload, content_type="application/json"):
    data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(URL, data=data, content_type=content_type)


@pytest.fixture
def viewer(make_user, api_client):
    return api_client(make_user(Role.VIEWER))


def test_create_list_read_delete(viewer):
    response = post(viewer, body())
    assert response.status_code == 201
    location = response["Location"]
    assert location.startswith(URL + "/urn:ngsi-ld:Subscription:")
    sub_id = location.rsplit("/", 1)[1]

    listed = json.loads(viewer.get(URL).content)
    assert [s["id"] for s in listed] == [sub_id]
    one = json.loads(viewer.get(location).content)
    assert one["type"] == "Subscription" and one["status"] == "active" and one["isActive"]
    assert one["notification"]["endpoint"]["uri"] == "http://127.0.0.1:9/notify"
    assert one["notification"]["timesSent"] == 0 and "status" not in one["notification"]
    assert one["throttling"] == 5 and one["q"] == "illuminanceLevel>0.1"

    response = viewer.patch(
        location, data=json.dumps({"isActive": False}), content_type="application/json"
    )
    assert response.status_code == 204
    assert json.loads(viewer.get(location).content)["status"] == "paused"

    assert viewer.delete(location).status_code == 204
    assert viewer.get(location).status_code == 404
    assert not Subscription.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "ngsi.subscription_created",
        "ngsi.subscription_updated",
        "ngsi.subscription_deleted",
    } <= actions


def test_ld_json_body_and_own_id(viewer):
    response = post(viewer, body(id="urn:ngsi-ld:Subscription:mine"), "application/ld+json")
    assert response.status_code == 201
    assert response["Location"].endswith("/urn:ngsi-ld:Subscription:mine")
    again = post(viewer, body(id="urn:ngsi-ld:Subscription:mine"))
    assert again.status_code == 409
    assert json.loads(again.content)["type"].endswith("/AlreadyExists")


@pytest.mark.parametrize(
    "payload,words",
    [
        ("{not json", "not JSON"),
        ([1, 2], "JSON object"),
        (body(type="Entity"), 'type must be "Subscription"'),
        (body(entities=[], watchedAttributes=[]), "entities must be a list"),
        (body(entities=[{"type": "Person"}]), "entities type must be one of"),
        (body(entities=[{"type": "Streetlight", "idPattern": "("}]), "not a regular expression"),
        (
            body(entities=[{"type": "Streetlight", "id": "urn:ngsi-ld:Device:X"}]),
            "not a Streetlight id",
        ),
        (body(watchedAttributes="level"), "watchedAttributes must be a list"),
        (body(q="level~~"), "is not attr<op>value"),
        (body(notification={"format": "keyValues"}), "notification.endpoint"),
        (body(notification={"endpoint": {"uri": "ftp://x/y"}}), "http:// or https://"),
        (body(notification={"endpoint": {"uri": "file:///etc/passwd"}}), "http:// or https://"),
        (body(notification={"endpoint": {"uri": "http://x/", "accept": "text/html"}}), "accept"),
        (body(notification={"endpoint": {"uri": "http://x/"}, "format": "xml"}), "format"),
        (body(throttling=-1), "throttling must be more than 0"),
        (body(throttling="5"), "throttling must be a number"),
        (body(expiresAt="2020-01-01T00:00:00Z"), "expiresAt is in the past"),
        (body(expiresAt="tomorrow"), "expiresAt must be a date"),
        (body(isActive="yes"), "isActive must be true or false"),
        (body(colour="red"), "Unknown members: colour"),
        (body(id="urn:ngsi-ld:Thing:1"), "id must be urn:ngsi-ld:Subscription"),
    ],
)
def test_bad_bodies_answer_problem_details(viewer, payload, words):
    response = post(viewer, payload)
    assert response.status_code == 400, response.content
    problem = json.loads(response.content)
    assert problem["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/")
    assert problem["title"] in ("BadRequestData", "InvalidRequest")
    assert words in problem["detail"]
    assert not Subscription.objects.exists()


def test_other_media_types_are_refused(viewer):
    response = post(viewer, "type=Subscription", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert json.loads(response.content)["type"].endswith("/UnsupportedMediaType")


def test_anonymous_is_refused_and_others_subscriptions_are_not_seen(viewer, make_user, api_client):
    assert post(api_client(), body()).status_code == 401
    location = post(viewer, body())["Location"]
    other = api_client(make_user(Role.LIGHTING_OPERATOR))
    assert json.loads(other.get(URL).content) == []
    assert other.get(location).status_code == 404
    assert other.delete(location).status_code == 404
    admin = api_client(make_user(Role.ADMINISTRATOR))
    assert len(json.loads(admin.get(URL).content)) == 1
    assert Subscription.objects.count() == 1
