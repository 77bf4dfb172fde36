"""E-mail through Django's SMTP backend to a real SMTP server (aiosmtpd): the text as written,
and a public alert's CAP document attached for recipients who want CAP."""

import pytest

from notifications.choices import DeliveryStatus, EventKind
from notifications.services.notify import notify

pytestmark = pytest.mark.django_db

CAP = '<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>'


def test_an_email_reaches_the_smtp_server(partner, smtp_server, committed, settings):
    settings.DEFAULT_FROM_EMAIL = "alerts@city.example"
    partner("duty-officer", kind="person", name="Duty officer", email="duty@council.example")

    with committed():
        (delivery,) = notify(
            EventKind.INCIDENT,
            subject="Fire at\nthe Barbican",  # one line in the header, whatever the caller wrote
            text="Road closed until 18:00.",
            recipients=["duty-officer"],
        )

    (message,) = smtp_server.messages
    assert smtp_server.recipients == [["duty@council.example"]]
    assert message["Subject"] == "Fire at the Barbican"
    assert message["From"] == "alerts@city.example"
    assert message.get_content().strip() == "Road closed until 18:00."
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempt_log.get().ok


def test_cap_is_attached_only_for_recipients_who_want_it(partner, smtp_server, committed):
    partner("ea", email="duty@ea.example", wants_cap=True)
    partner("police", email="control@police.example")

    with committed():
        notify(
            EventKind.PUBLISHED_ISSUED,
            subject="City alert",
            text="Stay indoors",
            cap_xml=CAP,
            recipients=["ea", "police"],
        )

    addresses = [r[0] for r in smtp_server.recipients]
    by_address = dict(zip(addresses, smtp_server.messages, strict=True))
    attachments = list(by_address["duty@ea.example"].iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/cap+xml"]
    assert attachments[0].get_content().decode().strip() == CAP
    assert list(by_address["control@police.example"].iter_attachments()) == []


def test_a_server_that_is_down_leaves_the_email_retrying(partner, committed, settings, free_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port  # nothing listens
    partner("police", email="control@police.example")

    with committed():
        (delivery,) = notify(EventKind.INCIDENT, subject="x", text="y", recipients=["police"])

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "ConnectionRefusedError" in delivery.last_error
