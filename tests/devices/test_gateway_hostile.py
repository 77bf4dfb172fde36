"""Hostile input never stops, stalls or miscounts the gateway (issue #14, items 1-3).

- The exact reproduction of item 1, on a `manage.py run_gateway` process and real Mosquitto:
  3,000 nested brackets at QoS 1 on a telemetry topic stopped the writer, the process exited, and
  the broker's redelivery stopped it again after every restart.
- A message whose storage fails is set aside as a rejected message, and setting it aside cannot
  raise, even when the rejected row itself cannot be stored.
- Every message is counted once per topic kind: in = stored + rejected; an ack naming an unknown
  or a non-UUID command id is a rejected message, not a stored one.
"""

import json
import signal
import uuid

import pytest
from prometheus_client import REGISTRY

from devices.choices import CommandState, RejectReason
from devices.gateway import storage as gateway_module
from devices.models import Command, RejectedMessage, Telemetry
from devices.services.commands import commands_issue
from tests.devices.gateway_helpers import (
    Peer,
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    unique_prefix,
    wait_for,
)
from tests.devices.test_gateway_resilience import run_gateway_process, wait_online

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_790_000_000
ITEM_1 = ("[" * 3000 + "]" * 3000).encode()  # python3 -c 'print("["*3000+"]"*3000)'


def stored(light) -> int:
    return Telemetry.objects.filter(asset=light).count()


def assert_depth_rejected(topic: str) -> None:
    bad = RejectedMessage.objects.get(topic=topic)
    assert bad.reason_code == RejectReason.OVERSIZED
    assert "nested deeper than 32 levels" in bad.reason


@pytest.mark.slow
def test_the_item_1_message_neither_stops_the_gateway_nor_its_restart():
    prefix, client_id = unique_prefix(), f"gw-deep-{uuid.uuid4().hex[:8]}"
    light = make_light("SL-0300")
    topic = f"{prefix}/SL-0300/telemetry"
    gateway = run_gateway_process(prefix, client_id)
    device, watcher = Peer(), Peer()
    try:
        wait_online(watcher, prefix)
        # Given a running gateway, when the message of item 1 arrives between valid ones …
        device.publish(topic, {"ts": T0, "level": 10})
        device.publish(topic, ITEM_1)
        for n in range(1, 50):
            device.publish(topic, {"ts": T0 + n, "level": n})
        # … then the gateway goes on, stores every valid message and keeps the bad one.
        wait_for(lambda: stored(light) == 50, timeout=60, what="the valid messages")
        assert gateway.poll() is None, "the gateway exited"
        assert_depth_rejected(topic)

        # Given the same message waiting in its session while it is down (the redelivery that
        # stopped it again after each restart) …
        gateway.send_signal(signal.SIGTERM)
        _, first_stderr = gateway.communicate(timeout=15)
        device.publish(topic, ITEM_1)
        for n in range(50, 100):
            device.publish(topic, {"ts": T0 + n, "level": n % 100})
        gateway = run_gateway_process(prefix, client_id)
        # … when it restarts, it stores what came after and stays up.
        wait_for(lambda: stored(light) == 100, timeout=60, what="the backlog")
        assert gateway.poll() is None, "the restarted gateway exited"
        assert RejectedMessage.objects.get(topic=topic).count == 2
    finally:
        gateway.send_signal(signal.SIGTERM)
        _, stderr = gateway.communicate(timeout=15)
        device.close()
        watcher.close()
        forget_session(client_id)
    for log in (first_stderr, stderr):
        assert b"RecursionError" not in log
        assert b"gateway thread" not in log  # "gateway thread … stopped"


@pytest.fixture
def gateway_and_device():
    options = gateway_options(unique_prefix())
    gateway = start_gateway(options)
    device = Peer()
    yield gateway, device, options.prefix
    device.close()
    gateway.stop()
    forget_session(options.client_id)


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counts(kinds):
    """(in, stored, rejected) per topic kind, from the gateway's Prometheus metrics."""
    reasons = [choice.value for choice in RejectReason]
    return {
        kind: (
            metric("city_gateway_messages_in_total", kind=kind),
            metric("city_gateway_messages_stored_total", kind=kind),
            sum(
                metric("city_gateway_messages_rejected_total", kind=kind, reason=reason)
                for reason in reasons
            ),
        )
        for kind in kinds
    }


def test_acks_naming_no_command_of_their_device_are_rejected_and_counted_so(gateway_and_device):
    gateway, device, prefix = gateway_and_device
    light, other = make_light("SL-ACK1"), make_light("SL-ACK2")
    (command,) = commands_issue(levels={light.pk: 75}, reason="boost", issued_by="test")
    (others,) = commands_issue(levels={other.pk: 20}, reason="boost", issued_by="test")
    before = counts(["ack"])["ack"]
    topic = f"{prefix}/SL-ACK1/ack"

    device.publish(topic, {"id": str(uuid.uuid4()), "status": "ok"})  # no such command
    device.publish(topic, {"id": "c0ffee", "status": "ok"})  # not a command id at all
    device.publish(topic, {"id": str(others.pk), "status": "ok"})  # another device's command
    device.publish(topic, {"id": str(command.pk), "status": "ok", "level": 75})  # its own

    wait_for(lambda: gateway.stats.received >= 4, what="four acks")
    wait_for(
        lambda: Command.objects.filter(pk=command.pk, state=CommandState.SUCCEEDED).exists(),
        what="its own command completed",
    )
    assert gateway.stats.received_by_kind["ack"] == 4
    assert gateway.stats.stored_by_kind["ack"] == 1
    assert gateway.stats.rejected_by_kind["ack"] == 3
    assert Command.objects.get(pk=others.pk).state != CommandState.SUCCEEDED
    kept = {(r.reason_code, r.count) for r in RejectedMessage.objects.filter(topic=topic)}
    assert kept == {(RejectReason.NOT_ALLOWED, 2), (RejectReason.SCHEMA, 1)}
    after = counts(["ack"])["ack"]
    assert [a - b for a, b in zip(after, before, strict=True)] == [4, 1, 3]


def test_a_message_that_fails_to_store_is_set_aside_and_counted_and_the_rest_is_stored(
    gateway_and_device, monkeypatch
):
    """A storage defect (injected: storage refuses level 42, and refuses the rejected row
    holding its payload too) fails one message, never the gateway or the others."""
    gateway, device, prefix = gateway_and_device
    light = make_light("SL-SA1")
    real_ingest_store = gateway_module.ingest_store

    def failing_ingest_store(*, batch, **kwargs):
        if any(sample.level == 42 for _, sample in batch.samples):
            raise ValueError("injected: storage refuses this sample")
        if any('"level": 42' in bad.payload for bad in batch.rejected):
            raise ValueError("injected: storage refuses this payload too")
        return real_ingest_store(batch=batch, **kwargs)

    monkeypatch.setattr(gateway_module, "ingest_store", failing_ingest_store)
    before = counts(["telemetry"])["telemetry"]
    topic = f"{prefix}/SL-SA1/telemetry"
    for n in range(30):
        device.publish(topic, {"ts": T0 + n, "level": 42 if n == 7 else n})

    wait_for(lambda: gateway.stats.received >= 30, what="thirty messages")
    assert all(thread.is_alive() for thread in gateway._threads), "a gateway thread died"
    assert stored(light) == 29
    bad = RejectedMessage.objects.get(topic=topic)
    assert bad.reason_code == RejectReason.OTHER
    assert bad.payload == "(withheld: could not be stored)"
    assert (gateway.stats.stored, gateway.stats.rejected, gateway.stats.set_aside) == (29, 1, 1)
    after = counts(["telemetry"])["telemetry"]
    assert [a - b for a, b in zip(after, before, strict=True)] == [30, 29, 1]


@pytest.fixture
def light_ct1():
    """Registered before the gateway starts. (Registered after, the first of the two writers
    to meet it throttles the registry refresh for 5 s before its refresh has loaded, and the
    other writer rejects the device as unknown meanwhile: a race of KnownDevices' refresh.)"""
    return make_light("SL-CT1")


def test_every_topic_kind_counts_in_as_stored_plus_rejected(light_ct1, gateway_and_device):
    gateway, device, prefix = gateway_and_device
    kinds = ["telemetry", "status", "event", "ack", "frigate"]
    before = counts(kinds)
    for body in ({"ts": T0, "level": 5}, ITEM_1, b"\xff", b'{"ts": 1790000000, "level": 1e400}'):
        device.publish(f"{prefix}/SL-CT1/telemetry", body)
    for body in (b"online", b"sideways", b"["):
        device.publish(f"{prefix}/SL-CT1/status", body)
    for body in ({"id": "e1", "ts": T0, "type": "motion"}, ITEM_1, b'{"id": NaN}'):
        device.publish(f"{prefix}/SL-CT1/event", body)
    for body in (ITEM_1, {"id": str(uuid.uuid4()), "status": "ok"}):
        device.publish(f"{prefix}/SL-CT1/ack", body)
    for body in (ITEM_1, json.dumps({"type": "new", "after": {"camera": "nowhere"}})):
        device.publish(f"{prefix}/frigate/events", body)
    device.publish(f"{prefix}/{'x' * 70}/telemetry", {"ts": T0, "level": 1})  # bad device id

    wait_for(lambda: gateway.stats.received >= 15, what="fifteen messages")
    after = counts(kinds)
    delta = {k: [a - b for a, b in zip(after[k], before[k], strict=True)] for k in kinds}
    assert delta == {  # (in, stored, rejected)
        "telemetry": [5, 1, 4],
        "status": [3, 1, 2],
        "event": [3, 1, 2],
        "ack": [2, 0, 2],
        "frigate": [2, 0, 2],
    }, [r for t, r in RejectedMessage.objects.values_list("topic", "reason") if "SL-CT1" in t]
    for kind in kinds:
        assert gateway.stats.received_by_kind[kind] == (
            gateway.stats.stored_by_kind[kind] + gateway.stats.rejected_by_kind[kind]
        )
    assert gateway.stats.batches_split == 0  # every bad message was refused at parse
