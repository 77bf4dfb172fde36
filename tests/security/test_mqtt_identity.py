"""Device identity on the broker: `manage.py mqtt_acl` writes a password file and ACL, and a
Mosquitto started with them lets a device publish only under its own device_id; with the
configuration it writes, no device can take the gateway's client id."""

import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command

from cityplatform import health
from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, Telemetry
from devices.services.mqtt_acl import mqtt_acl_render, mqtt_device_password
from tests.benchmarks.common import child_env
from tests.devices.gateway_helpers import (
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    unique_prefix,
    wait_for,
)
from tests.reliability.conftest import size
from tests.reliability.mqtt_tools import Collector, client, publish_all
from tests.reliability.processes import DevicePublisher
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
    [
        f"{PREFIX}/SL-2/telemetry",
        f"{PREFIX}/SL-2/event",
        f"{PREFIX}/SL-1/cmd",
        "frigate/events",
        "onvif/vms1/onvif-ej/RuleEngine/LineDetector/Crossed",
    ],
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


# --- the gateway's client id ------------------------------------------------------------------

GATEWAY_USER, GATEWAY_SECRET = "gateway", "gateway-secret"
T0 = 1_790_000_000


@pytest.fixture
def identity_broker(db, settings, private_mosquitto):
    """A private Mosquitto configured with exactly what `mqtt_acl --conf-file` writes."""
    make_light("SL-1")
    make_light("SL-2")
    folder = private_dir("acl")
    settings.MQTT_URL = f"mqtt://{GATEWAY_USER}:{GATEWAY_SECRET}@127.0.0.1:1"
    call_command(
        "mqtt_acl",
        password_file=folder / "passwd",
        acl_file=folder / "acl",
        conf_file=folder / "city.conf",
        stdout=io.StringIO(),
    )
    conf = (folder / "city.conf").read_text()
    assert "use_username_as_clientid true" in conf
    return private_mosquitto(extra_config=conf)


def _stream(broker, total: int):
    """The gateway (signed in as its user) and SL-1 streaming `total` telemetry messages."""
    gateway_url = broker.url.replace("mqtt://", f"mqtt://{GATEWAY_USER}:{GATEWAY_SECRET}@")
    gateway = start_gateway(gateway_options(PREFIX, mqtt_url=gateway_url))
    publisher = DevicePublisher(
        broker.url, PREFIX, username="SL-1", password=mqtt_device_password(device_id="SL-1")
    )

    def run() -> None:
        for n in range(total):
            body = json.dumps({"ts": T0 + n, "level": n % 101}).encode()
            publisher.publish("SL-1", body)

    flow = threading.Thread(target=run, daemon=True)
    flow.start()
    return gateway, publisher, flow


def _assert_all_stored_once(publisher, flow, total: int) -> None:
    flow.join(120)
    assert publisher.wait_all_acked(timeout=120) == total
    wait_for(
        lambda: Telemetry.objects.count() >= total, timeout=120, what=f"{total} samples stored"
    )
    time.sleep(1.0)  # anything redelivered on top would show now
    assert Telemetry.objects.filter(asset__device_id="SL-1").count() == total


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_device_connecting_with_the_gateways_client_id_neither_knocks_it_off_nor_loses_data(
    identity_broker,
):
    """The attack of issue #14: a device signs in (as itself) with the gateway's client id and a
    clean session for 3 s while telemetry flows. The broker gives it its user name as client
    id instead, so the gateway stays connected and every message is stored once."""
    total = size(3_000, 30_000)
    gateway, publisher, flow = _stream(identity_broker, total)
    try:
        wait_for(lambda: Telemetry.objects.count() >= total // 4, timeout=60, what="a quarter")
        intruder = client(
            identity_broker.url,
            client_id=gateway.options.client_id,
            clean_session=True,
            username="SL-2",
            password=mqtt_device_password(device_id="SL-2"),
        )
        time.sleep(3.0)
        intruder.disconnect()
        intruder.loop_stop()
        _assert_all_stored_once(publisher, flow, total)
        assert gateway.mqtt.connects == 1  # never knocked off
    finally:
        publisher.close()
        gateway.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_restart_of_the_secured_broker_during_a_stream_loses_nothing(identity_broker):
    """The gateway's session is its user's (use_username_as_clientid): it survives a broker
    restart, and what was published meanwhile is delivered when the gateway is back."""
    total = size(3_000, 30_000)
    gateway, publisher, flow = _stream(identity_broker, total)
    try:
        wait_for(lambda: Telemetry.objects.count() >= total // 4, timeout=60, what="a quarter")
        identity_broker.restart(down_s=1.0)
        _assert_all_stored_once(publisher, flow, total)
        assert gateway.mqtt.connects >= 2  # it was cut off and came back
    finally:
        publisher.close()
        gateway.stop()


def test_the_default_gateway_client_id_is_not_public_and_is_kept_across_starts():
    """Unset MQTT_CLIENT_ID: an id derived from SECRET_KEY, the same at every start (the broker
    keeps the gateway's session under it) and different for another installation."""
    code = "from django.conf import settings; print(settings.MQTT_CLIENT_ID)"

    def client_id(secret: str) -> str:
        env = {**os.environ, "SECRET_KEY": secret, "MQTT_CLIENT_ID": ""}
        env.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
        done = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        )
        return done.stdout.strip().splitlines()[-1]

    first = client_id("one installation's secret key " * 2)
    assert first == client_id("one installation's secret key " * 2)
    assert first != client_id("another installation's secret key " * 2)
    assert first != "cityplatform-gateway"
    assert "secret" not in first


# --- anonymous clients: /readyz and the gateway's start-up log --------------------------------


@pytest.mark.slow
def test_readyz_signs_in_as_the_gateway_and_has_no_warning_on_a_secured_broker(
    identity_broker, client, settings
):
    health._anonymous_seen.clear()
    settings.MQTT_URL = identity_broker.url.replace(
        "mqtt://", f"mqtt://{GATEWAY_USER}:{GATEWAY_SECRET}@"
    )
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["mqtt"] == "ok"
    assert "warnings" not in response.json()


@pytest.mark.django_db
def test_readyz_warns_when_the_broker_accepts_anonymous_clients(client, settings):
    """The shared test broker lets anyone in: still ready (200), with a warning that says so."""
    health._anonymous_seen.clear()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "without credentials" in response.json()["warnings"]["mqtt_anonymous"]

    health._anonymous_seen.clear()
    settings.MQTT_ANONYMOUS_ALLOWED = True  # the demo's choice
    assert "warnings" not in client.get("/readyz").json()


@pytest.mark.django_db(transaction=True)
def test_the_gateway_logs_at_start_that_the_broker_accepts_anonymous_clients(caplog):
    caplog.set_level(logging.WARNING, logger="devices.protocols.mqtt")
    gateway = start_gateway(gateway_options(unique_prefix()))
    try:
        wait_for(
            lambda: any("without credentials" in r.getMessage() for r in caplog.records),
            timeout=10,
            what="the start-up warning",
        )
    finally:
        gateway.stop()
        forget_session(gateway.options.client_id)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_gateway_workers_with_a_user_each_share_the_stream_without_knocking_each_other_off(
    private_mosquitto, settings
):
    """`run_gateway --workers 2 --user-per-worker` on the broker `mqtt_acl --gateway-workers 2`
    configures: with user names as client ids, each worker needs its own user, or the two
    would take each other's place on the broker in turn."""
    make_light("SL-1")
    folder = private_dir("acl")
    settings.MQTT_URL = f"mqtt://{GATEWAY_USER}:{GATEWAY_SECRET}@127.0.0.1:1"
    call_command(
        "mqtt_acl",
        password_file=folder / "passwd",
        acl_file=folder / "acl",
        conf_file=folder / "city.conf",
        gateway_workers=2,
        stdout=io.StringIO(),
    )
    broker = private_mosquitto(extra_config=(folder / "city.conf").read_text())
    gateway_url = broker.url.replace("mqtt://", f"mqtt://{GATEWAY_USER}:{GATEWAY_SECRET}@")
    births = Collector(
        broker.url, f"{PREFIX}/_gateway/status", username=GATEWAY_USER, password=GATEWAY_SECRET
    )
    env = child_env(MQTT_URL=gateway_url, MQTT_TOPIC_PREFIX=PREFIX, FRIGATE_TOPIC="frigate/x")
    command = [sys.executable, "manage.py", "run_gateway", "--workers", "2", "--user-per-worker"]
    log = open(folder / "gateway.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*command, "--no-opcua"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log
    )
    publisher = None
    total = size(2_000, 20_000)
    try:
        wait_for(
            lambda: sum(p == b"online" for _t, p in births.messages) >= 2,
            timeout=90,
            what="both workers online",
        )
        publisher = DevicePublisher(
            broker.url, PREFIX, username="SL-1", password=mqtt_device_password(device_id="SL-1")
        )
        for n in range(total):
            publisher.publish("SL-1", json.dumps({"ts": T0 + n, "level": n % 101}).encode())
        assert publisher.wait_all_acked(timeout=120) == total
        wait_for(lambda: Telemetry.objects.count() >= total, timeout=120, what="all stored")
        assert Telemetry.objects.count() == total
        # A worker knocked off comes back with a birth of its own: two births, no more.
        assert sum(p == b"online" for _t, p in births.messages) == 2
    finally:
        if publisher:
            publisher.close()
        births.close()
        process.terminate()
        process.wait(30)
        log.close()


def test_the_gateway_may_read_the_video_systems_topics():
    """The gateway subscribes to Frigate's topic and the ONVIF filter (ONVIF_TOPIC): on a broker
    with this ACL it must be allowed to read both, or it would hear nothing from them."""
    acl = mqtt_acl_render(
        prefix=PREFIX, gateway_user="gateway", frigate_topic="frigate/events", onvif_topic="onvif/#"
    )
    gateway_block = acl.split("\n\n")[0]
    assert "topic read frigate/events" in gateway_block
    assert "topic read onvif/#" in gateway_block
