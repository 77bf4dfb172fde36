"""Inbound batching: paho's network thread puts each message on an inbox, a writer takes them
in batches.

Camera events (MQTT and Frigate) have an inbox of their own, with a writer of its own: an alert
never waits behind a batch of telemetry or acks being stored. A batch is up to `batch_max`
messages or `batch_window_s`; one holding a camera event goes as soon as its inbox is empty.
OPC-UA readings come on the ordinary inbox, from the asyncio side.
"""

import queue
import time

from devices.protocols.messages import TopicMap
from devices.protocols.mqtt import Inbound


class Inboxes:
    def __init__(self, topics: TopicMap, *, batch_max: int, batch_window_s: float):
        self.topics = topics
        self.batch_max = batch_max
        self.batch_window_s = batch_window_s
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.alert_inbox: queue.SimpleQueue = queue.SimpleQueue()

    def is_alert(self, item) -> bool:
        """A camera event (MQTT or Frigate): what an operator and the lights wait for."""
        return isinstance(item, Inbound) and (
            item.topic.endswith("/event")
            or item.topic == self.topics.frigate_topic
            or self.topics.is_onvif(item.topic)
        )

    def route(self, item: Inbound) -> None:
        """paho's `on_message`: a queue put, nothing else (it runs on the network thread)."""
        (self.alert_inbox if self.is_alert(item) else self.inbox).put(item)

    def put_reading(self, reading) -> None:
        self.inbox.put(reading)

    def depth(self) -> int:
        return self.inbox.qsize() + self.alert_inbox.qsize()

    def take_batch(self, inbox: queue.SimpleQueue) -> list:
        """The next batch from `inbox` (empty after 0.2 s of nothing)."""
        try:
            first = inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        items = [first]
        alert = self.is_alert(first)
        deadline = time.monotonic() + self.batch_window_s
        while len(items) < self.batch_max:
            try:
                item = inbox.get_nowait()
                items.append(item)
                alert = alert or self.is_alert(item)
                continue
            except queue.Empty:
                pass
            if alert:
                # A batch holding a camera event is stored as soon as the inbox is empty:
                # the alert path waits for no window (under load, batches still form while
                # the previous one is being stored).
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = inbox.get(timeout=remaining)
            except queue.Empty:
                break
            items.append(item)
            alert = alert or self.is_alert(item)
        return items
