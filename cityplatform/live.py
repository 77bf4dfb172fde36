"""The live-event publisher: typed messages to WebSocket groups, sent after the commit.

A message on the wire is `{"type": "<kind>", "ts": …, "data": {…}}` (CONTRACT.md, "WebSocket").
Every kind has a schema (a Pydantic model) and a permission a client needs to receive it; every
topic a client may subscribe to has a permission too. Apps register their kinds and topics at
import time of their `live` module (see `cityplatform.apps`):

    @live_kind("alarm.raised", permission="cctv.view_alarm")
    class AlarmRaised(LiveData):
        id: int
        ...

    live_publish(kind="alarm.raised", data=AlarmRaised(...), topics=["alarms", f"zone:{zone_id}"])

Publishing inside a transaction that rolls back sends nothing: a rollback leaves no ghost alarm
on anyone's screen.
"""

import asyncio
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict

from cityplatform import metrics
from cityplatform.permissions import ACCESS_PLATFORM

log = logging.getLogger(__name__)

GROUP_MESSAGE_TYPE = "live.message"  # dispatched to LiveConsumer.live_message
ACCESS_CHANGED_TYPE = "live.access_changed"  # LiveConsumer reads the user's permissions again


class LiveData(BaseModel):
    """Base of every kind's data schema: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LiveMessage(BaseModel):
    """The envelope every client receives."""

    model_config = ConfigDict(frozen=True)

    type: str
    ts: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[LiveData]
    permission: str


@dataclass(frozen=True)
class Topic:
    """A subscribable topic: a fixed name ("alarms") or a prefix with a parameter ("zone:<id>")."""

    name: str
    permission: str
    parameter: re.Pattern[str] | None = None


_kinds: dict[str, Kind] = {}
_topics: dict[str, Topic] = {}

_DEVICE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def live_kind(
    name: str, *, permission: str = ACCESS_PLATFORM
) -> Callable[[type[LiveData]], type[LiveData]]:
    """Registers a schema class as the data of live messages of kind `name`."""

    def register(schema: type[LiveData]) -> type[LiveData]:
        _kinds[name] = Kind(name=name, schema=schema, permission=permission)
        return schema

    return register


def live_topic(
    name: str, *, permission: str = ACCESS_PLATFORM, parameter: str | None = None
) -> None:
    """Registers a topic; with `parameter` (a regular expression) it is `name:<parameter>`."""
    _topics[name] = Topic(name, permission, re.compile(parameter) if parameter else None)


def kinds() -> dict[str, Kind]:
    return dict(_kinds)


def topic_permission(topic: str) -> str:
    """The permission needed to subscribe to `topic`; ValueError for a topic that does not exist."""
    name, _, parameter = topic.partition(":")
    spec = _topics.get(name)
    if spec is None:
        raise ValueError(f"unknown topic {topic!r}")
    if spec.parameter is None:
        if parameter:
            raise ValueError(f"topic {name!r} takes no parameter")
    elif not spec.parameter.fullmatch(parameter):
        raise ValueError(f"topic {topic!r}: bad {name} identifier")
    return spec.permission


def topic_group(topic: str) -> str:
    """The Channels group of a topic (group names allow letters, digits, '-', '_' and '.')."""
    return "live." + topic.replace(":", ".")


def user_group(user_pk: int | str) -> str:
    """The Channels group of one user's connections (told when their access changes)."""
    return f"live.user.{user_pk}"


def live_access_changed(user_pks: Iterable[int]) -> None:
    """Tells the connections of these users, after the commit, to read their sign-in and
    permissions again (a user deactivated, moved out of a group, signed out)."""
    groups = sorted({user_group(pk) for pk in user_pks})
    if groups:
        transaction.on_commit(partial(_send_access_changed, groups))


def _send_access_changed(groups: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": ACCESS_CHANGED_TYPE}
    try:
        layer_run(layer, lambda: group_send_many(layer, [(group, event) for group in groups]))
    except Exception:  # the connections' own periodic re-check remains
        log.exception("access change could not be announced to %d users", len(groups))


def build_message(
    kind: str, data: LiveData | dict[str, Any], ts: datetime | None = None
) -> LiveMessage:
    spec = _kinds.get(kind)
    if spec is None:
        raise ValueError(f"unknown live message kind {kind!r}")
    validated = data if isinstance(data, spec.schema) else spec.schema.model_validate(data)
    return LiveMessage(type=kind, ts=ts or timezone.now(), data=validated.model_dump(mode="json"))


def live_publish(
    *,
    kind: str,
    data: LiveData | dict[str, Any],
    topics: Iterable[str],
    permission: str | None = None,
    public_data: LiveData | dict[str, Any] | None = None,
) -> None:
    """Sends a live message to every subscriber of `topics`, once the transaction commits.

    `permission` narrows who receives this one message beyond its kind's permission (a welfare
    alarm, for instance, goes only to those allowed to handle welfare alarms). With
    `public_data`, a subscriber who holds the kind's permission but not `permission` receives
    the same message with `public_data` instead of nothing (an override made for a welfare
    alarm: every role sees the lights go up, only some see why). Each connection picks its
    version (`LiveConsumer.live_message`): one message on the wire per group, as before.
    """
    message = build_message(kind, data)
    groups = sorted({topic_group(t) for t in topics})
    needed = [p for p in (_kinds[kind].permission, permission) if p]
    public = None
    if public_data is not None and permission:
        public = build_message(kind, public_data, ts=message.ts).model_dump(mode="json")
    transaction.on_commit(
        partial(
            _send,
            groups,
            message.model_dump(mode="json"),
            needed,
            public=public,
            public_permissions=[_kinds[kind].permission],
        )
    )


def group_event(
    payload: dict[str, Any],
    permissions: list[str],
    *,
    public: dict[str, Any] | None = None,
    public_permissions: list[str] | None = None,
) -> dict[str, Any]:
    """The Channels event carrying one live message to LiveConsumer, whatever sends it.

    One id for all the groups it goes to: a client subscribed to two of them gets it once. The
    message is serialised here, once, as the text every client receives ("text"), rather than
    once per client by each consumer. `public` is the version for the clients that hold
    `public_permissions` but not all of `permissions` ("public_text").
    """
    event = {
        "type": GROUP_MESSAGE_TYPE,
        "id": uuid.uuid4().hex,
        "message": payload,
        "text": json.dumps(payload, separators=(",", ":")),
        "permissions": permissions,
    }
    if public is not None:
        event["public_text"] = json.dumps(public, separators=(",", ":"))
        event["public_permissions"] = public_permissions or []
    return event


def _send(
    groups: list[str],
    payload: dict[str, Any],
    permissions: list[str],
    *,
    public: dict[str, Any] | None = None,
    public_permissions: list[str] | None = None,
) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = group_event(payload, permissions, public=public, public_permissions=public_permissions)

    try:
        layer_run(layer, lambda: group_send_many(layer, [(group, event) for group in groups]))
    except Exception:  # a live update must never undo or break the work that caused it
        log.exception("live message %s could not be sent", payload["type"])
        return
    metrics.LIVE_MESSAGES.labels(kind=payload["type"]).inc()


async def group_send_many(
    layer, sends: list[tuple[str, dict[str, Any]]], *, members_known: bool = False, limit: int = 32
) -> None:
    """Sends each (group, event), skipping groups nobody is in (see `groups_with_members`) unless
    the caller has already (`members_known`); the layer's own `group_send` does the sending.

    Groups are sent to concurrently; the events of one group go in the order given, so that a
    subscriber sees a superseded command cancelled before its successor is queued."""
    if not sends:
        return
    if not members_known:
        listened = await groups_with_members(layer, {group for group, _event in sends})
        if listened is not None:
            sends = [(group, event) for group, event in sends if group in listened]
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, event in sends:
        by_group.setdefault(group, []).append(event)
    semaphore = asyncio.Semaphore(limit)  # the layer's connection pool is small

    async def send_in_order(group: str, events: list[dict[str, Any]]) -> None:
        for event in events:
            async with semaphore:
                await layer.group_send(group, event)

    await asyncio.gather(*(send_in_order(group, events) for group, events in by_group.items()))


async def groups_with_members(layer, groups: set[str]) -> set[str] | None:
    """Which of `groups` have members, asked of Redis in one pipelined round trip per shard and
    10,000 groups; None when the layer cannot tell (not channels_redis' core layer) or Redis
    does not answer, and then the caller sends to every group.

    Most groups a message goes to have no subscriber at a given moment (`device:<id>` of one
    lamp among 12,000, a zone nobody watches; a dusk reconcile's 100,000 `command.updated` go to
    200,000 groups), and channels_redis spends two round trips per group just to find that out.
    A group with members, even expired ones, is sent to as before: no listener misses a message.
    """
    if not all(hasattr(layer, name) for name in ("_group_key", "consistent_hash", "connection")):
        return None
    by_shard: dict[int, list[str]] = {}
    for group in groups:
        by_shard.setdefault(layer.consistent_hash(group), []).append(group)
    listened: set[str] = set()
    try:
        for shard, names in by_shard.items():
            for start in range(0, len(names), 10_000):
                chunk = names[start : start + 10_000]
                pipe = layer.connection(shard).pipeline(transaction=False)
                for group in chunk:
                    pipe.zcard(layer._group_key(group))
                sizes = await pipe.execute()
                listened.update(group for group, size in zip(chunk, sizes, strict=True) if size)
    except Exception:  # never lose a message to the shortcut
        log.warning("group sizes unavailable; sending to every group", exc_info=True)
        return None
    return listened


# --- One event loop per process for the channel layer's sends -------------------------------
#
# `async_to_sync` from plain sync code (a Celery task, the gateway's threads) starts a new
# thread with a new event loop on every call, and channels_redis keeps its connections per
# loop: every live message then paid a thread, a loop and fresh Redis connections (several
# milliseconds of CPU each, seven times per alarm). Sync code sends on one long-lived loop per
# process instead, and waits for the send as before (same order, same "sent when it returns").

_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()
LAYER_SEND_TIMEOUT_S = 10.0


def _layer_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            # First use in this process (a forked Celery child gets its own).
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-layer", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def layer_run(layer, coroutine_function: Callable[[], Any]) -> Any:
    """Runs `coroutine_function()` (channel layer calls) from sync code and returns its result:
    on the process's long-lived layer loop for a networked layer, through `async_to_sync`
    where that is required (inside an async context's worker thread, or the in-memory layer,
    whose queues belong to the server's own loop)."""
    in_memory = type(layer).__name__ == "InMemoryChannelLayer"
    if in_memory or getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None:
        return async_to_sync(coroutine_function)()
    future = asyncio.run_coroutine_threadsafe(coroutine_function(), _layer_loop())
    return future.result(timeout=LAYER_SEND_TIMEOUT_S)


# --- Batches: many messages of one kind in one event-loop turn ---------------------------------

LivePayloads = list[tuple[dict[str, Any], list[str]]]  # (message as JSON, its Channels groups)

_batch_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-send")


def live_publish_batch_soon(kind: str, payloads: LivePayloads) -> None:
    """Hands a batch of live messages to a sender thread: the caller (a gateway sending
    commands, a reconcile) never waits for WebSocket fan-out. In order: one sender."""
    _batch_sender.submit(live_publish_batch, kind, payloads)


def live_publish_batch(kind: str, payloads: LivePayloads) -> None:
    """Sends many live messages of `kind` (built with `build_message`, to groups named by
    `topic_group`) in one event-loop turn; never raises."""
    layer = get_channel_layer()
    if layer is None or not payloads:
        return
    permission = _kinds[kind].permission

    async def send_all() -> None:
        # Membership is asked once for the whole batch: a message for nobody is not even built.
        listened = await groups_with_members(layer, {g for _, groups in payloads for g in groups})
        sends = []
        for message, groups in payloads:
            wanted = groups if listened is None else [g for g in groups if g in listened]
            if wanted:
                event = group_event(message, [permission])
                sends.extend((group, event) for group in wanted)
        await group_send_many(layer, sends, members_known=True)

    try:
        layer_run(layer, send_all)
    except Exception:  # a live update must never undo or break the work that caused it
        log.exception("%d live %s messages could not be sent", len(payloads), kind)
        return
    metrics.LIVE_MESSAGES.labels(kind=kind).inc(len(payloads))


# The platform's own topics and kinds; apps add theirs in their `live` modules.
live_topic("zone", parameter=r"[0-9]{1,18}")
live_topic("device", parameter=_DEVICE_ID.pattern)
live_topic("system")


@live_kind("system.notice")
class SystemNotice(LiveData):
    """A message for everyone on duty (emergency mode, maintenance windows)."""

    level: str = "info"
    text: str
