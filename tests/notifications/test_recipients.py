"""Who is notified: the recipients named, and those whose subscription matches the event's
kind, zones (a zone covers those inside it) and priority; a welfare alarm's details only to
recipients allowed to see them, the others a neutral text."""

import pytest

from devices.choices import ZoneKind
from devices.models import Zone
from notifications.choices import EventKind
from notifications.services.notify import NEUTRAL_TEXT, notify
from notifications.services.recipients import subscription_create

pytestmark = pytest.mark.django_db

WELFARE_TEXT = "Vulnerable person seen on the parapet of the bridge (welfare early warning)"
WELFARE_WORDS = ("vulnerable", "welfare", "early warning", "parapet")


@pytest.fixture
def zones(db):
    city = Zone.objects.create(name="City", kind=ZoneKind.CITY)
    ward = Zone.objects.create(name="Cheap", kind=ZoneKind.WARD, parent=city)
    street = Zone.objects.create(name="Poultry", kind=ZoneKind.STREET, parent=ward)
    other = Zone.objects.create(name="Tower", kind=ZoneKind.WARD, parent=city)
    return {"city": city, "ward": ward, "street": street, "other": other}


def _slugs(deliveries):
    return sorted({d.recipient.slug for d in deliveries})


def test_subscriptions_match_kind_zone_and_priority(partner, zones):
    city_wide = partner("police", webhook_url="http://127.0.0.1:9/hook")
    ward = partner("ward-team", email="cheap@council.example")
    urgent_only = partner("fire", email="control@fire.example")
    other_kind = partner("utility", email="ops@utility.example")
    partner("inactive", email="x@example.com", active=False)
    subscription_create(recipient=city_wide, actor="test", zone_ids=[zones["city"].pk])
    subscription_create(recipient=ward, actor="test", zone_ids=[zones["ward"].pk])
    subscription_create(recipient=urgent_only, actor="test", min_priority=10)
    subscription_create(recipient=other_kind, actor="test", event_kinds=[EventKind.PLAN_STARTED])

    on_the_street = notify(
        EventKind.INCIDENT, subject="s", text="t", zones=[zones["street"].pk], priority=20
    )
    elsewhere = notify(
        EventKind.INCIDENT, subject="s", text="t", zones=[zones["other"].pk], priority=3
    )

    assert _slugs(on_the_street) == ["police", "ward-team"]
    assert _slugs(elsewhere) == ["fire", "police"]


def test_named_recipients_are_notified_once_on_each_channel(partner):
    both = partner("fire", email="control@fire.example", webhook_url="http://127.0.0.1:9/h")
    subscription_create(recipient=both, actor="test")

    deliveries = notify(EventKind.INCIDENT, subject="s", text="t", recipients=["fire", "nobody"])

    assert sorted(d.channel for d in deliveries) == ["email", "webhook"]


def test_welfare_details_only_to_recipients_allowed_to_see_them(partner, zones):
    allowed = partner("outreach", email="team@outreach.example", may_see_welfare=True)
    not_allowed = partner("police", email="c@police.example", webhook_url="http://127.0.0.1:9/h")
    for recipient in (allowed, not_allowed):
        subscription_create(recipient=recipient, actor="test")

    deliveries = notify(
        EventKind.ALARM_ESCALATED,
        subject="Early warning at high-risk sites: vulnerable person",
        text=WELFARE_TEXT,
        payload={"rule": "Early warning at high-risk sites", "alarm": 42},
        zones=[zones["ward"].pk],
        priority=2,
        welfare=True,
    )

    told = {(d.recipient.slug, d.channel): d for d in deliveries}
    assert told[("outreach", "email")].body == WELFARE_TEXT
    for channel in ("email", "webhook"):
        withheld = told[("police", channel)]
        sent = " ".join([withheld.subject, withheld.body, str(withheld.payload)]).lower()
        assert [word for word in WELFARE_WORDS if word in sent] == []
        assert "42" not in str(withheld.payload)
        assert withheld.body == NEUTRAL_TEXT and withheld.welfare_withheld
    assert withheld.payload["zones"] == [zones["ward"].pk]  # where, not what


def test_an_unknown_event_kind_is_refused(partner):
    with pytest.raises(Exception, match="Unknown event kind"):
        notify("coffee.ready", subject="s", text="t")
