"""Device identity on the broker: `manage.py mqtt_acl` writes a password file and ACL, and a
Mosquitto started with them lets a device publish only under its own device_id."""

import io
import uuid

import pytest
from django.core.management import call_command

from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset
from devices.services.mqtt_acl import mqtt_device_password
from tests.reliability.mqtt_tools import Collector, client, publish_all
from tests.reliability.services import private_dir

PREFIX = "city/v1"


def asset(device_id: str, **fields) -> Asset:
    return Asset.objects.create(
        device_id=device_id, kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.09, **fields
    )


@pytest.fixture
def secured_broker(db, settings, private_mosquitto):
    """A private Mosquitto with the files mqtt_acl generated for SL-1 and SL-2."""
    asset("SL-1")
    asset("SL-2")
    asset("SL-OLD", status=LifecycleStatus.DECOMMISSIONED)
    folder = private_dir("acl")
    settings.MQTT_TOPIC_PREFIX = PREFIX
    settings.MQTT_URL = "mqtt://gateway:gateway-secret@127.0.0.1:1"
    out = io.StringIO()
    call_command(
        "mqtt_acl",
        password_file=folder / "passwd",
        acl_file=folder / "acl",
        stdout=out,
    )
    assert "2 device(s)" in out.getvalue()
    assert (folder / "passwd").stat().st_mode & 0o077 == 0
    return private_mosquitto(password_file=folder / "passwd", acl_file=folder / "acl")


def device(broker, device_id: str):
    return client(
        broker.url, username=device_id, password=mqtt_device_password(device_id=device_id)
    )


@pytest.mark.slow
def test_a_device_publishes_under_its_own_id(secured_broker):
    gateway = Collector(
        secured_broker.url, f"{PREFIX}/#", username="gateway", password="gateway-secret"
    )
    sl1 = device(secured_broker, "SL-1")
    try:
        acked = publish_all(
            sl1, [(f"{PREFIX}/SL-1/telemetry", b'{"level": 40}'), (f"{PREFIX}/SL-1/status", b"on")]
        )
        assert acked == 2
        gateway.wait_for(2, timeout=10)
        assert [t for t, _ in gateway.messages] == [
            f"{PREFIX}/SL-1/telemetry",
            f"{PREFIX}/SL-1/status",
        ]
    finally:
        sl1.disconnect()
        gateway.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "topic",
    [f"{PREFIX}/SL-2/telemetry", f"{PREFIX}/SL-2/event", f"{PREFIX}/SL-1/cmd", "frigate/events"],
)
def test_a_publish_outside_its_own_topics_is_never_delivered(secured_broker, topic):
    """Mosquitto 2 drops the message and disconnects the impersonating device."""
    gateway = Collector(secured_broker.url, "#", username="gateway", password="gateway-secret")
    sl1 = device(secured_broker, "SL-1")
    try:
        sl1.publish(topic, uuid.uuid4().hex.encode(), qos=1)
        assert gateway.wait_for(1, timeout=1.5) == 0
    finally:
        sl1.loop_stop()
        gateway.close()


@pytest.mark.slow
def test_a_device_reads_its_own_commands_only(secured_broker):
    sl1 = Collector(
        secured_broker.url,
        f"{PREFIX}/+/cmd",
        username="SL-1",
        password=mqtt_device_password(device_id="SL-1"),
    )
    gateway = client(secured_broker.url, username="gateway", password="gateway-secret")
    try:
        publish_all(gateway, [(f"{PREFIX}/SL-2/cmd", b"for SL-2"), (f"{PREFIX}/SL-1/cmd", b"mine")])
        sl1.wait_for(1, timeout=10)
        sl1.wait_for(2, timeout=1)
        assert sl1.messages == [(f"{PREFIX}/SL-1/cmd", b"mine")]
    finally:
        gateway.disconnect()
        sl1.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("user", "password"),
    [
        ("SL-1", "wrong"),
        ("SL-2", None),  # SL-1's password for SL-2: set below
        ("SL-OLD", None),  # decommissioned: no longer in the file
        (None, None),  # anonymous
    ],
)
def test_wrong_or_missing_credentials_are_refused(secured_broker, user, password):
    if user and password is None:
        password = mqtt_device_password(device_id="SL-1" if user == "SL-2" else user)
    with pytest.raises(ConnectionRefusedError):
        client(secured_broker.url, username=user, password=password)


def test_show_password_prints_what_the_device_is_provisioned_with(db):
    out = io.StringIO()
    call_command("mqtt_acl", show_password="SL-9", stdout=out)
    assert out.getvalue().strip() == mqtt_device_password(device_id="SL-9")
    assert mqtt_device_password(device_id="SL-9") != mqtt_device_password(device_id="SL-8")
