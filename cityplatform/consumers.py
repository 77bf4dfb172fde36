"""The one WebSocket consumer behind `/ws/live/`: authentication, permissions, group membership.

Apps add live message kinds and topics (`cityplatform.live`), never consumers of their own.
Client → server: `{"action": "subscribe" | "unsubscribe", "topics": [...]}`.
Server → client: `{"type": "<kind>", "ts": …, "data": {…}}`; replies to the client's own actions
are of kind `subscribed`, `unsubscribed` or `error` (the socket stays open after an error).

A connection's sign-in and permissions are not a snapshot of the moment it connected: they are
read again when a change to the user, their groups, their permissions or their sessions is
announced (`cityplatform.live_access`, on the user's own group), and in any case before a
message is delivered on permissions older than `PERMISSION_TTL_S`. A user deactivated, deleted,
signed out or whose session is gone is disconnected (close code 4401); a user who lost a
permission stops receiving what needs it, and loses the topics they may no longer subscribe to.
"""

import asyncio
import json
import logging
import time
from collections import deque
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from cityplatform import live
from cityplatform.json_input import JsonRefused, json_loads_bounded
from cityplatform.permissions import ACCESS_PLATFORM

log = logging.getLogger(__name__)

MAX_TOPICS = 200
RECENT_IDS = 512  # a message reaches a client through several topics within a short window
MAX_MESSAGE_BYTES = 16 * 1024
# Permissions at most this old (seconds) decide what a connection receives; a change announced
# on the user's group is applied at once (the age is the safety net for changes made around
# the ORM, such as SQL run by hand).
PERMISSION_TTL_S = 5.0
CLOSE_SIGNED_OUT = 4401  # the connection's sign-in no longer holds


def _permissions_of(user) -> frozenset[str] | None:
    """The user's permissions; None stands for a superuser (every permission)."""
    if user.is_superuser:
        return None
    return frozenset(user.get_all_permissions())


class SignedOut(Exception):
    """The connection's user or session is no longer valid."""


def _session_holds(user, session_key: str | None) -> bool:
    """The session still exists, names this user and carries their current auth hash (a
    password change ends it, as it ends the user's other sessions on the pages)."""
    if session_key is None:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, h) for h in hashes)


def _permissions_now(user_pk, session_key: str | None) -> frozenset[str] | None:
    """The user's permissions read again from the database; SignedOut when the user is gone or
    inactive, or the session is."""
    user = get_user_model().objects.filter(pk=user_pk).first()
    if user is None or not user.is_active or not _session_holds(user, session_key):
        raise SignedOut
    return _permissions_of(user)


# The last read of each (user, session), shared by the connections of this process: a
# thousand sockets of one control-room session read the database once per PERMISSION_TTL_S,
# not a thousand times (each read is a hop to Channels' one database thread), and at once
# (the reads in flight are shared too).
_reads: dict[tuple[Any, str | None], tuple[float, frozenset[str] | None]] = {}
# Reads in flight, per event loop: a task belongs to the loop that made it (uvicorn has one;
# tests and async_to_sync make a loop each, and a task awaited from another loop fails).
_reading: dict[tuple[int, Any, str | None], asyncio.Task] = {}
READS_KEPT = 10_000


async def _read_permissions(user_pk, session_key: str | None, *, fresh: bool):
    """(when read, the permissions: None for a superuser, empty when signed out). `fresh`
    reads the database now, whatever was read before (an announced change)."""
    key = (user_pk, session_key)
    in_flight = (id(asyncio.get_running_loop()), *key)
    if not fresh:
        cached = _reads.get(key)
        if cached is not None and time.monotonic() - cached[0] <= PERMISSION_TTL_S:
            return cached
        if in_flight in _reading:
            return await asyncio.shield(_reading[in_flight])
    task = asyncio.ensure_future(_read_now(user_pk, session_key))
    if not fresh:
        _reading[in_flight] = task
    try:
        result = await asyncio.shield(task)
    finally:
        if _reading.get(in_flight) is task:
            del _reading[in_flight]
    if len(_reads) >= READS_KEPT:
        stale = time.monotonic() - PERMISSION_TTL_S
        for old in [k for k, (at, _) in _reads.items() if at < stale]:
            del _reads[old]
    if key not in _reads or _reads[key][0] < result[0]:  # never replace a newer read
        _reads[key] = result
    return result


async def _read_now(user_pk, session_key: str | None):
    read_at = time.monotonic()
    try:
        permissions = await database_sync_to_async(_permissions_now)(user_pk, session_key)
    except SignedOut:
        permissions = frozenset()
    return read_at, permissions


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.permissions = await database_sync_to_async(_permissions_of)(user)
        if not self.allowed(ACCESS_PLATFORM):
            await self.close()
            return
        self.user_pk = user.pk
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        self.checked_at = time.monotonic()
        self.signed_out = False
        self.topics: set[str] = set()
        self.recent: deque[str] = deque(maxlen=RECENT_IDS)  # messages already sent to this client
        self.access_group = live.user_group(user.pk)
        await self.channel_layer.group_add(self.access_group, self.channel_name)
        await self.accept()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """A live message goes straight to its handler. Channels (4.2+) first hops to its one
        database thread to close stale connections before every handler; a live message touches
        no database, and with a thousand consumers in a process those hops, queued on that one
        thread, were most of the time an event took to reach them all."""
        if message.get("type") == live.GROUP_MESSAGE_TYPE:
            await self.live_message(message)
        elif message.get("type") == live.ACCESS_CHANGED_TYPE:
            await self.recheck(fresh=True)
        else:
            await super().dispatch(message)

    async def recheck(self, *, fresh: bool = False) -> bool:
        """Reads the user's permissions again (at most PERMISSION_TTL_S old; `fresh`: now);
        closes the socket when the sign-in no longer holds, and leaves the topics the user may
        no longer subscribe to. False once signed out."""
        if self.signed_out:
            return False
        self.checked_at, self.permissions = await _read_permissions(
            self.user_pk, self.session_key, fresh=fresh
        )
        if not self.allowed(ACCESS_PLATFORM):
            self.signed_out = True
            await self.leave(set(self.topics))
            await self.close(code=CLOSE_SIGNED_OUT)
            return False
        lost = {t for t in self.topics if not self.allowed(live.topic_permission(t))}
        if lost:
            await self.leave(lost)
            await self.reply(
                "unsubscribed",
                {"topics": sorted(lost), "message": "your role may no longer see these topics"},
            )
        return True

    async def leave(self, topics: set[str]) -> None:
        for topic in topics:
            await self.channel_layer.group_discard(live.topic_group(topic), self.channel_name)
            self.topics.discard(topic)

    def allowed(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions

    async def disconnect(self, code: int) -> None:
        for topic in getattr(self, "topics", set()):
            await self.channel_layer.group_discard(live.topic_group(topic), self.channel_name)
        if hasattr(self, "access_group"):
            await self.channel_layer.group_discard(self.access_group, self.channel_name)

    async def reply(self, kind: str, data: dict[str, Any]) -> None:
        await self.send(
            text_data=json.dumps({"type": kind, "ts": timezone.now().isoformat(), "data": data})
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_MESSAGE_BYTES:
            await self.reply("error", {"message": "Send JSON text messages of at most 16 KiB."})
            return
        try:  # bounded: 5,000 nested brackets once raised RecursionError and aborted the socket
            request = json_loads_bounded(text_data, max_bytes=MAX_MESSAGE_BYTES)
        except JsonRefused as error:
            await self.reply(
                "error",
                {
                    "message": f"The message is not valid JSON: {error.message}.",
                    "body": error.label,
                },
            )
            return
        action = request.get("action") if isinstance(request, dict) else None
        topics = request.get("topics") if isinstance(request, dict) else None
        if action not in {"subscribe", "unsubscribe"}:
            await self.reply("error", {"message": 'action must be "subscribe" or "unsubscribe".'})
            return
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            await self.reply("error", {"message": "topics must be a list of strings."})
            return
        if action == "subscribe":
            await self.subscribe(topics)
        else:
            await self.unsubscribe(topics)

    async def subscribe(self, topics: list[str]) -> None:
        if time.monotonic() - self.checked_at > PERMISSION_TTL_S and not await self.recheck():
            return
        refused: dict[str, str] = {}
        accepted: list[str] = []
        for topic in topics:
            try:
                permission = live.topic_permission(topic)
            except ValueError as error:
                refused[topic] = str(error)
                continue
            if not self.allowed(permission):
                refused[topic] = "your role may not subscribe to this topic"
            elif topic not in self.topics and len(self.topics) >= MAX_TOPICS:
                refused[topic] = f"at most {MAX_TOPICS} topics per connection"
            else:
                if topic not in self.topics:
                    await self.channel_layer.group_add(live.topic_group(topic), self.channel_name)
                    self.topics.add(topic)
                accepted.append(topic)
        if accepted:
            await self.reply("subscribed", {"topics": accepted})
        if refused:
            await self.reply("error", {"message": "Some topics were refused.", "topics": refused})

    async def unsubscribe(self, topics: list[str]) -> None:
        removed = [t for t in topics if t in self.topics]
        for topic in removed:
            await self.channel_layer.group_discard(live.topic_group(topic), self.channel_name)
            self.topics.discard(topic)
        await self.reply("unsubscribed", {"topics": removed})

    async def live_message(self, event: dict[str, Any]) -> None:
        """A message published to one of this client's groups: sent once, if the role may see it."""
        if time.monotonic() - self.checked_at > PERMISSION_TTL_S and not await self.recheck():
            return
        if self.signed_out:
            return
        message_id = event.get("id")
        if message_id is not None:
            if message_id in self.recent:
                return  # the same message through a second subscribed topic
            self.recent.append(message_id)
        if all(self.allowed(p) for p in event.get("permissions", ())):
            # The publisher serialised the message once for every client ("text").
            text = event.get("text") or json.dumps(event["message"])
            await self.send(text_data=text)
        elif "public_text" in event and all(
            self.allowed(p) for p in event.get("public_permissions", ())
        ):
            # The version for those who may see the message but not all of it (see live_publish).
            await self.send(text_data=event["public_text"])
