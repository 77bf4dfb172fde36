"""Hostile NGSI-LD input is a 400 ProblemDetails in words, never a 500: a subscription body
nested 100,000 deep (Python's parser raised RecursionError), numbers JSON cannot hold, and an
idPattern of 3,000 parentheses (the regular expression compiler's recursion overflowed)."""

import pytest
from django.test import Client

from cityplatform.roles import Role

pytestmark = pytest.mark.django_db

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


@pytest.fixture
def client(make_user):
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.VIEWER))
    return client


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
        ('{"type": "Subscription", "throttling": 1e999999}', "a number out of range"),
        ('{"type": "Subscription", "throttling": ' + "9" * 5000 + "}", "a number out of range"),
    ],
    ids=["deep", "float", "digits"],
)
def test_a_hostile_subscription_body_is_refused_in_words(client, body, words):
    response = client.post("/ngsi-ld/v1/subscriptions", body, content_type="application/json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == ERRORS + "InvalidRequest" and words in problem["detail"]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [("(" * 3000, "at most 256 characters"), ("(" * 200, "not a regular expression")],
    ids=["long", "unbalanced"],
)
def test_an_id_pattern_that_cannot_compile_is_refused_in_words(client, pattern, words):
    response = client.get("/ngsi-ld/v1/entities", {"type": "Streetlight", "idPattern": pattern})
    assert response.status_code == 400
    assert words in response.json()["detail"]
    subscription = {
        "type": "Subscription",
        "entities": [{"type": "Streetlight", "idPattern": pattern}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/"}},
    }
    response = client.post(
        "/ngsi-ld/v1/subscriptions", subscription, content_type="application/json"
    )
    assert response.status_code == 400
    assert words in response.json()["detail"]
