"""The pages are told of new events (`event.received`), by the alert task after the rules ran
(`cctv.tasks.event_evaluate`), never by the gateway's storing transaction. Welfare event types
go only to those allowed to see welfare alarms."""

from collections.abc import Sequence

from cctv.choices import WELFARE_EVENT_TYPES
from cctv.live import event_message
from cctv.models import Event
from cctv.selectors import WELFARE_PERMISSION
from cityplatform.live import live_publish


def events_announce(*, event_ids: Sequence[int]) -> int:
    """Publishes `event.received` for these events (to their device and zone topics)."""
    events = Event.objects.filter(pk__in=event_ids).select_related("device")
    count = 0
    for event in events:
        topics = [f"device:{event.device.device_id}"]
        if event.zone_id:
            topics.append(f"zone:{event.zone_id}")
        live_publish(
            kind="event.received",
            data=event_message(event, event.device.device_id),
            topics=topics,
            permission=WELFARE_PERMISSION if event.type in WELFARE_EVENT_TYPES else None,
        )
        count += 1
    return count
