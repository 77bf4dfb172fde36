"""Rejected device messages, kept with their reason (never dropped in silence).

A message that repeats on the same topic for the same reason within `REJECT_FOLD_WINDOW` adds to
the count of the row already kept: a device sending garbage ten times a second is one row.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from devices.models import RejectedMessage
from devices.wire import Rejected

# A rejected message repeating on the same topic for the same reason within this window adds
# to the count of the existing row instead of a new row.
REJECT_FOLD_WINDOW = timedelta(minutes=1)


def _storable(text: str) -> str:
    """PostgreSQL text holds no NUL character: shown escaped, as `\\u0000`."""
    return text.replace("\x00", "\\u0000")


def rejected_store(*, rejected: Sequence[Rejected], now: datetime) -> int:
    """Keeps rejected messages; repeats (same topic and reason within a minute) add to a count.

    One locking read and two bulk statements per batch, whatever the number of topics: with one
    statement pair per topic, 2 % of hostile messages (each on its own device's topic) cost a
    batch twenty round trips. Its own transaction (a savepoint inside the gateway's batch): the
    locking read needs one, and a caller outside any (a refused TALQ request) raised
    TransactionManagementError, a 500 for every refusal."""
    groups: dict[tuple[str, str], list[Rejected]] = defaultdict(list)
    for item in rejected:
        groups[(_storable(item.topic)[:255], item.reason_code)].append(item)
    if not groups:
        return 0
    with transaction.atomic():
        _fold(groups, now)
    return len(rejected)


def _fold(groups: dict[tuple[str, str], list[Rejected]], now: datetime) -> None:
    """Adds each group to its recent row (locked), or keeps it as a new row."""
    recent: dict[tuple[str, str], RejectedMessage] = {}
    rows = (
        RejectedMessage.objects.select_for_update()
        .filter(received_at__gte=now - REJECT_FOLD_WINDOW, topic__in={t for t, _ in groups})
        .order_by("pk")
    )
    for row in rows:
        key = (row.topic, row.reason_code)
        if key in groups and (key not in recent or row.received_at >= recent[key].received_at):
            recent[key] = row
    changed, new = [], []
    for (topic, code), items in groups.items():
        last = items[-1]
        payload, reason = _storable(last.payload), _storable(last.reason)
        row = recent.get((topic, code))
        if row is not None:
            row.count += len(items)
            row.received_at, row.payload, row.reason = now, payload, reason
            changed.append(row)
        else:
            new.append(
                RejectedMessage(
                    received_at=now,
                    topic=topic,
                    device_id=_storable(last.device_id)[:64],
                    payload=payload,
                    reason_code=code,
                    reason=reason,
                    count=len(items),
                )
            )
    if changed:
        RejectedMessage.objects.bulk_update(
            changed, ["count", "received_at", "payload", "reason"], batch_size=1000
        )
    if new:
        RejectedMessage.objects.bulk_create(new, batch_size=1000)
