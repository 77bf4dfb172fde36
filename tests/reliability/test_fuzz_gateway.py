"""Fuzzing the gateway with every MQTT payload of the protocol and hostile ones (deep nesting,
huge numbers, invalid UTF-8, NUL, NaN, 1 MiB), on every topic kind, interleaved with valid
messages of known content: it never dies, it stores every valid message, it fails no batch (a bad
message is refused at parse), and every message in is stored or kept as rejected with a reason,
per topic kind (in = stored + rejected; lost = 0).

Sizes: a few hundred inputs in `make test`; 100,000 in `make reliability` (RELIABILITY_FULL=1).
The figures (inputs, stored, rejected, lost) are printed: run with `-s` to see them."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from cctv.models import Event
from devices.choices import AssetKind
from devices.models import Asset, CameraDetails, RejectedMessage, Telemetry
from devices.protocols.messages import TopicMap
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
from tests.reliability.strategies import (
    TOPIC_KINDS,
    hostile_corpus,
    hostile_message,
    mqtt_message,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLES = size(25, 250)
PER_EXAMPLE = size(16, 400)  # 25 × 16 = 400 inputs in make test; 250 × 400 = 100,000 in full
KNOWN = ["SL-F1", "SL-F2", "CAM-F1"]
T_KNOWN = 1_700_000_000  # the valid messages' timestamps: T_KNOWN + n


@pytest.fixture
def fuzzed_gateway():
    make_light("SL-F1")
    make_light("SL-F2")
    make_light("SL-KNOWN")
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


class Stream:
    """Publishes inputs, counting them per topic kind, and valid messages of known content
    (telemetry of SL-KNOWN, events of CAM-F1) whose storage is checked at the end."""

    def __init__(self, gateway, device, options):
        self.gateway, self.device = gateway, device
        self.prefix = options.prefix
        self.topics = TopicMap(options.prefix, options.frigate_topic)
        self.published: Counter = Counter()
        self.valid_samples = 0
        self.valid_events = 0

    def publish(self, topic: str, payload: bytes) -> None:
        self.device.client.publish(topic, payload, qos=1)
        self.published[self.topics.kind(topic)] += 1

    def publish_valid(self) -> None:
        n = self.valid_samples + self.valid_events
        if n % 4 == 3:
            body = {"id": f"known-{self.valid_events}", "ts": T_KNOWN + n, "type": "motion"}
            self.publish(f"{self.prefix}/CAM-F1/event", json.dumps(body).encode())
            self.valid_events += 1
        else:
            body = {"ts": T_KNOWN + self.valid_samples, "level": self.valid_samples % 101}
            self.publish(f"{self.prefix}/SL-KNOWN/telemetry", json.dumps(body).encode())
            self.valid_samples += 1

    def settle(self, context: str = "") -> None:
        total = self.published.total()
        try:
            wait_for(lambda: self.gateway.stats.received >= total, timeout=60)
        except AssertionError:
            raise AssertionError(
                f"the gateway took {self.gateway.stats.received} of {total} messages; {context}"
            ) from None
        self.check(context)

    def check(self, context: str = "") -> None:
        stats = self.gateway.stats
        assert not self.gateway.stop_event.is_set(), f"the gateway stopped; {context}"
        assert all(t.is_alive() for t in self.gateway._threads), f"a thread died; {context}"
        assert stats.received == self.published.total(), context
        assert stats.stored + stats.rejected == stats.received, context
        for kind in TOPIC_KINDS:
            assert stats.received_by_kind[kind] == self.published[kind], (kind, context)
            assert stats.received_by_kind[kind] == (
                stats.stored_by_kind[kind] + stats.rejected_by_kind[kind]
            ), (kind, context)
        assert stats.batches_split == 0, f"a batch failed to store; {context}"

    def finish(self, name: str) -> None:
        time.sleep(0.5)  # nothing more arrives
        self.check()
        stats = self.gateway.stats
        samples = Telemetry.objects.filter(asset__device_id="SL-KNOWN")
        assert samples.count() == self.valid_samples, "a valid sample was lost"
        assert sorted(
            int(ts.timestamp()) - T_KNOWN for ts in samples.values_list("ts", flat=True)
        ) == list(range(self.valid_samples))
        events = Event.objects.filter(device__device_id="CAM-F1", event_id__startswith="known-")
        assert events.count() == self.valid_events, "a valid event was lost"
        rows = RejectedMessage.objects.aggregate(n=Sum("count"))["n"] or 0
        assert rows == stats.rejected
        assert not RejectedMessage.objects.filter(reason="").exists()
        lost = stats.received - stats.stored - stats.rejected
        print(
            f"\n{name}: inputs {self.published.total():,} ({dict(self.published)}), "
            f"valid of known content {self.valid_samples + self.valid_events:,}, "
            f"stored {stats.stored:,}, rejected {stats.rejected:,}, lost {lost}"
        )


def test_every_fuzzed_message_is_stored_or_rejected_with_a_reason(fuzzed_gateway):
    gateway, device, options = fuzzed_gateway
    stream = Stream(gateway, device, options)
    where = {"prefix": options.prefix, "known": KNOWN, "frigate_topic": options.frigate_topic}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        # The gateway is one running process: a failed example leaves its counts behind, so
        # shrinking would only repeat the failure. The failing example is in the message.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(
        st.lists(
            # None: a valid message of known content, here in the stream.
            st.one_of(mqtt_message(**where), hostile_message(**where), st.none()),
            min_size=PER_EXAMPLE,
            max_size=PER_EXAMPLE,
        )
    )
    # NUL characters (PostgreSQL text refuses them) in what is set aside as rejected: once
    # they stopped the gateway's writer thread.
    @example([(f"{options.prefix}/SL-F1/telemetry", b"\x00{\x00")])
    @example([(f"{options.prefix}/CAM-F1/event", b'{"id": "a\\u0000", "type": "motion"}')])
    # Issue #14, item 1: 3,000 nested brackets stopped the gateway for good.
    @example([None, (f"{options.prefix}/SL-F1/telemetry", b"[" * 3000 + b"]" * 3000), None])
    def publish_and_account(messages):
        for message in messages:
            if message is None:
                stream.publish_valid()
            else:
                stream.publish(*message)
        stream.settle(f"this example: {[(m[0], m[1][:200]) if m else None for m in messages]}")

    publish_and_account()
    stream.finish("fuzz (hypothesis)")


def test_a_hostile_corpus_on_every_topic_kind_loses_no_valid_message(fuzzed_gateway):
    gateway, device, options = fuzzed_gateway
    stream = Stream(gateway, device, options)
    corpus = hostile_corpus()
    for kind in TOPIC_KINDS:
        topic = options.frigate_topic if kind == "frigate" else f"{options.prefix}/SL-F1/{kind}"
        for payload in corpus:
            stream.publish(topic, payload)
            stream.publish_valid()
        stream.settle(f"the corpus on {kind}")
    stream.finish("fuzz (corpus)")
