"""The gateway against a real Mosquitto and PostgreSQL: telemetry, status, events, bad input."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from devices.choices import AssetKind, FaultType, LevelSource, RejectReason
from devices.events import DeviceEvent, register_event_sink
from devices.events import _sinks as event_sinks
from devices.models import (
    Asset,
    AssetState,
    CameraDetails,
    Fault,
    LevelChange,
    RejectedMessage,
    Telemetry,
)
from tests.devices.gateway_helpers import (
    Peer,
    make_light,
    schema_validate,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def events_seen():
    seen: list[DeviceEvent] = []

    def sink(batch):
        seen.extend(batch)

    register_event_sink(sink)
    yield seen
    event_sinks.remove(sink)


def now_iso(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def test_telemetry_is_stored_and_sets_the_lights_reported_state(gateway, peer, prefix):
    light = make_light("SL-T1")
    ts = now_iso(-5)
    payload = {"ts": ts, "level": 40, "power_w": 21.5, "energy_wh": 1200}
    schema_validate("telemetry", payload)

    peer.publish(f"{prefix}/SL-T1/telemetry", payload)

    wait_for(lambda: Telemetry.objects.filter(asset=light).exists(), what="a telemetry row")
    sample = Telemetry.objects.get(asset=light)
    assert (sample.level, sample.power_w, sample.energy_wh) == (40, 21.5, 1200)
    state = AssetState.objects.get(pk=light.pk)
    assert state.online is True and state.level == 40 and state.power_w == 21.5
    change = LevelChange.objects.get(asset=light)
    assert change.level == 40 and change.source == LevelSource.TELEMETRY


def test_the_same_sample_delivered_twice_is_stored_once(gateway, peer, prefix):
    light = make_light("SL-T2")
    payload = {"ts": 1_790_000_000, "level": 70}
    peer.publish(f"{prefix}/SL-T2/telemetry", payload)
    peer.publish(f"{prefix}/SL-T2/telemetry", payload)
    peer.publish(f"{prefix}/SL-T2/telemetry", {"ts": 1_790_000_060, "level": 70})
    wait_for(lambda: gateway.stats.stored >= 3, what="three messages handled")
    assert Telemetry.objects.filter(asset=light).count() == 2


def test_status_and_will_set_connectivity_and_the_offline_fault(gateway, prefix):
    light = make_light("SL-S1")
    device = Peer()
    device.publish(f"{prefix}/SL-S1/status", "online", retain=True)
    wait_for(lambda: AssetState.objects.filter(pk=light.pk, online=True).exists())

    # The device's will: the broker publishes it when the device vanishes.
    import paho.mqtt.client as paho
    from django.conf import settings
    from paho.mqtt.enums import CallbackAPIVersion

    from cityplatform.mqtt import mqtt_address

    host, port = mqtt_address(settings.MQTT_URL)
    lamp = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"lamp-{prefix[-8:]}")
    lamp.will_set(f"{prefix}/SL-S1/status", b"offline", qos=1, retain=True)
    lamp.connect(host, port, keepalive=5)
    lamp.loop_start()
    wait_for(lamp.is_connected)
    lamp.loop_stop()
    lamp._sock.close()  # vanish without DISCONNECT: the broker sends the will

    wait_for(
        lambda: AssetState.objects.filter(pk=light.pk, online=False).exists(),
        timeout=30,
        what="offline from the will",
    )
    assert Fault.objects.filter(asset=light, type=FaultType.OFFLINE, cleared_at=None).exists()

    device.publish(f"{prefix}/SL-S1/status", "online", retain=True)
    wait_for(lambda: AssetState.objects.filter(pk=light.pk, online=True).exists())
    fault = Fault.objects.get(asset=light, type=FaultType.OFFLINE)
    assert fault.cleared_at is not None
    device.publish(f"{prefix}/SL-S1/status", b"", retain=True)  # clear the retained message
    device.close()


def test_an_event_delivered_twice_reaches_the_sinks_and_raises_one_lamp_fault(
    gateway, peer, prefix, events_seen
):
    light = make_light("SL-E1")
    event = {"id": "evt-1", "ts": now_iso(-1), "type": "lamp_failure", "attributes": {"a": 1}}
    schema_validate("event", event)
    peer.publish(f"{prefix}/SL-E1/event", event)
    peer.publish(f"{prefix}/SL-E1/event", event)
    wait_for(lambda: len(events_seen) >= 2, what="both deliveries at the sink")
    assert {(e.device_id, e.event_id, e.type) for e in events_seen} == {
        ("SL-E1", "evt-1", "lamp_failure")
    }
    # The sinks run inside the batch's transaction: the fault is seen once it commits.
    wait_for(
        lambda: Fault.objects.filter(asset=light, type=FaultType.LAMP_FAILURE).exists(),
        what="the lamp fault committed",
    )
    assert Fault.objects.filter(asset=light, type=FaultType.LAMP_FAILURE).count() == 1


def test_identity_fields_are_stripped_before_the_event_goes_anywhere(
    gateway, peer, prefix, events_seen
):
    Asset.objects.create(device_id="CAM-1", kind=AssetKind.CAMERA, latitude=51.5, longitude=0)
    peer.publish(
        f"{prefix}/CAM-1/event",
        {
            "id": "e-9",
            "ts": now_iso(),
            "type": "loitering",
            "attributes": {"face": "x", "person_name": "Jo", "since": 30},
        },
    )
    wait_for(lambda: events_seen, what="the event")
    (event,) = events_seen
    assert event.attributes == {"since": 30}
    assert set(event.stripped) == {"attributes.face", "attributes.person_name"}
    from cityplatform.models import AuditEntry

    # The sinks run inside the storing transaction: the audit entry is there once it commits.
    wait_for(
        lambda: AuditEntry.objects.filter(action="privacy.identity_stripped").exists(),
        what="the audit entry",
    )


def test_frigate_events_are_resolved_to_their_camera(gateway, peer, prefix, events_seen):
    camera = Asset.objects.create(
        device_id="CAM-F", kind=AssetKind.CAMERA, latitude=51.5, longitude=0
    )
    CameraDetails.objects.create(asset=camera, frigate_camera="front_gate")
    gateway._refresh_known(force=True)
    message = {
        "type": "new",
        "before": None,
        "after": {
            "id": "1700000000.1-abc",
            "camera": "front_gate",
            "label": "person",
            "score": 0.82,
            "current_zones": ["gate"],
            "start_time": time.time() - 2,
            "end_time": None,
            "sub_label": ["Jo", 0.9],
        },
    }
    schema_validate("frigate-event", message)
    peer.publish(f"{prefix}/frigate/events", message)
    wait_for(lambda: events_seen, what="the Frigate event")
    (event,) = events_seen
    assert (event.device_id, event.type, event.phase, event.zones) == (
        "CAM-F",
        "person",
        "new",
        ("gate",),
    )
    assert "after.sub_label" in event.stripped


BAD_MESSAGES = [
    ("SL-B1/telemetry", b"{not json", RejectReason.INVALID_JSON),
    ("SL-B1/telemetry", b'{"ts": "yesterday", "level": 10}', RejectReason.SCHEMA),
    ("SL-B1/telemetry", b'{"ts": 1790000000, "level": "high"}', RejectReason.SCHEMA),
    ("SL-B1/telemetry", b'{"ts": 1790000000, "level": 250}', RejectReason.SCHEMA),
    ("SL-B1/telemetry", b'{"ts": 1790000000}', RejectReason.SCHEMA),
    ("SL-B1/event", b'{"id": "x", "type": "motion"}', RejectReason.SCHEMA),
    ("SL-B1/status", b"sleeping", RejectReason.SCHEMA),
    ("NOBODY/telemetry", b'{"ts": 1790000000, "level": 10}', RejectReason.UNKNOWN_DEVICE),
    (
        "SL-B1/telemetry",
        b'{"ts": 1790000000, "level": 1, "pad": "' + b"x" * 70000 + b'"}',
        RejectReason.OVERSIZED,
    ),
    ("SL-B1/ack", b'{"id": "abc", "status": "maybe"}', RejectReason.SCHEMA),
    # What Python's json reads but jsonb refuses: rejected, not a batch that fails to store.
    (
        "SL-B1/event",
        b'{"id": "e1", "type": "motion", "ts": 1790000000, "attributes": {"x": -Infinity}}',
        RejectReason.INVALID_JSON,
    ),
    (
        "SL-B1/event",
        b'{"id": "e2", "type": "motion", "ts": 1790000000, "attributes": {"x": "\\ud8a9"}}',
        RejectReason.INVALID_JSON,
    ),
]


@pytest.mark.parametrize(("suffix", "payload", "reason"), BAD_MESSAGES)
def test_bad_input_is_kept_as_a_rejected_message_and_the_gateway_goes_on(
    gateway, peer, prefix, suffix, payload, reason
):
    light = make_light("SL-B1")
    peer.publish(f"{prefix}/{suffix}", payload)
    peer.publish(f"{prefix}/SL-B1/telemetry", {"ts": now_iso(), "level": 55})

    wait_for(lambda: Telemetry.objects.filter(asset=light).exists(), what="the next message")
    rejected = RejectedMessage.objects.get()
    assert rejected.reason_code == reason
    assert rejected.topic == f"{prefix}/{suffix}"
    assert len(rejected.payload) <= 4096


def test_a_schema_violation_matches_the_published_schema():
    import jsonschema

    for bad in ({"ts": 1790000000, "level": 250}, {"ts": 1790000000}, {"ts": "yesterday"}):
        with pytest.raises(jsonschema.ValidationError):
            schema_validate("telemetry", bad)


def test_a_topic_outside_the_contract_is_rejected(gateway, peer, prefix):
    # Subscriptions are on the contract's filters; a sub-topic only a wildcard matches would
    # never arrive, so the contract's own shapes with a bad device id are the test.
    make_light("SL-B2")
    peer.publish(f"{prefix}/bad id!/telemetry", {"ts": now_iso(), "level": 1})
    wait_for(lambda: RejectedMessage.objects.exists(), what="a rejected message")
    assert RejectedMessage.objects.get().reason_code == RejectReason.UNKNOWN_TOPIC


def test_repeated_rejections_add_to_one_rows_count(gateway, peer, prefix):
    for _ in range(5):
        peer.publish(f"{prefix}/NOBODY/telemetry", {"ts": now_iso(), "level": 1})
    wait_for(
        lambda: sum(RejectedMessage.objects.values_list("count", flat=True)) == 5,
        what="five counted",
    )
    assert RejectedMessage.objects.count() <= 5


def test_silent_devices_are_marked_offline_by_the_periodic_task():
    from devices.tasks.gateway import devices_offline_sweep

    light = make_light("SL-Q1")
    AssetState.objects.create(
        asset=light, online=True, last_seen_at=timezone.now() - timedelta(hours=2)
    )
    devices_offline_sweep.apply()
    assert AssetState.objects.get(pk=light.pk).online is False
    assert Fault.objects.filter(asset=light, type=FaultType.OFFLINE, cleared_at=None).exists()


def test_the_gateway_turns_off_nagle_on_its_broker_connection(gateway):
    """An alarm's commands go out as a burst of small packets: with Nagle's algorithm on, each
    after the first waited for the broker's (delayed) TCP acknowledgement, up to 40 ms."""
    import socket

    wait_for(lambda: gateway.mqtt.connected.is_set(), what="the gateway's connection")
    sock = gateway.mqtt.client.socket()
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
