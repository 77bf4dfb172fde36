"""Fuzzing the gateway with every MQTT payload of the protocol: it never dies, and every message
in is either stored or recorded as rejected with a reason (count in = stored + rejected)."""

from __future__ import annotations

import time

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from devices.choices import AssetKind
from devices.models import Asset, CameraDetails, RejectedMessage
from tests.devices.gateway_helpers import (
    Peer,
    forget_session,
    gateway_options,
    make_light,
    start_gateway,
    unique_prefix,
    wait_for,
)
from tests.reliability.conftest import size
from tests.reliability.strategies import mqtt_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLES = size(25, 250)
PER_EXAMPLE = size(20, 400)  # 25 × ≤20 in make test; 250 × ≤400 = up to 100,000 inputs in full
KNOWN = ["SL-F1", "SL-F2", "CAM-F1"]


@pytest.fixture
def fuzzed_gateway():
    make_light("SL-F1")
    make_light("SL-F2")
    camera = Asset.objects.create(
        device_id="CAM-F1", kind=AssetKind.CAMERA, latitude=51.5, longitude=-0.09
    )
    CameraDetails.objects.create(asset=camera, frigate_camera="front")
    prefix = unique_prefix()
    options = gateway_options(prefix)
    gateway = start_gateway(options)
    device = Peer()
    yield gateway, device, options
    device.close()
    gateway.stop()
    forget_session(options.client_id)


def test_every_fuzzed_message_is_stored_or_rejected_with_a_reason(fuzzed_gateway):
    gateway, device, options = fuzzed_gateway
    published = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        # The gateway is one running process: a failed example leaves its counts behind, so
        # shrinking would only repeat the failure. The failing example is in the message.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(
        st.lists(
            mqtt_message(prefix=options.prefix, known=KNOWN, frigate_topic=options.frigate_topic),
            min_size=1,
            max_size=PER_EXAMPLE,
        )
    )
    # NUL characters (PostgreSQL text refuses them) in what is set aside as rejected: once
    # they stopped the gateway's writer thread.
    @example([(f"{options.prefix}/SL-F1/telemetry", b"\x00{\x00")])
    @example([(f"{options.prefix}/CAM-F1/event", b'{"id": "a\\u0000", "type": "motion"}')])
    def publish_and_account(messages):
        nonlocal published
        for topic, payload in messages:
            device.client.publish(topic, payload, qos=1)
        published += len(messages)
        try:
            wait_for(lambda: gateway.stats.received >= published, timeout=30)
        except AssertionError:
            raise AssertionError(
                f"the gateway took {gateway.stats.received} of {published} messages; "
                f"this example: {[(t, p[:200]) for t, p in messages]}"
            ) from None
        assert not gateway.stop_event.is_set(), "the gateway stopped"
        assert all(thread.is_alive() for thread in gateway._threads), "a gateway thread died"
        assert gateway.stats.received == published
        assert gateway.stats.stored + gateway.stats.rejected == gateway.stats.received

    publish_and_account()
    time.sleep(0.5)  # nothing more arrives
    assert gateway.stats.received == published
    rejected = RejectedMessage.objects.aggregate(n=Sum("count"))["n"] or 0
    assert rejected == gateway.stats.rejected
    assert not RejectedMessage.objects.filter(reason="").exists()
