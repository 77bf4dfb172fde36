"""The one WebSocket consumer behind `/ws/live/`: authentication, permissions, group membership.

Apps add live message kinds and topics (`cityplatform.live`), never consumers of their own.
Client → server: `{"action": "subscribe" | "unsubscribe", "topics": [...]}`.
Server → client: `{"type": "<kind>", "ts": …, "data": {…}}`; replies to the client's own actions
are of kind `subscribed`, `unsubscribed` or `error` (the socket stays open after an error).
"""

import json
import logging
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from cityplatform import live
from cityplatform.permissions import ACCESS_PLATFORM

log = logging.getLogger(__name__)

MAX_TOPICS = 200
RECENT_IDS = 512  # a message reaches a client through several topics within a short window
MAX_MESSAGE_BYTES = 16 * 1024


def _permissions_of(user) -> frozenset[str] | None:
    """The user's permissions; None stands for a superuser (every permission)."""
    if user.is_superuser:
        return None
    return frozenset(user.get_all_permissions())


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
        self.topics: set[str] = set()
        self.recent: deque[str] = deque(maxlen=RECENT_IDS)  # messages already sent to this client
        await self.accept()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """A live message goes straight to its handler. Channels (4.2+) first hops to its one
        database thread to close stale connections before every handler; a live message touches
        no database, and with a thousand consumers in a process those hops, queued on that one
        thread, were most of the time an event took to reach them all."""
        if message.get("type") == live.GROUP_MESSAGE_TYPE:
            await self.live_message(message)
        else:
            await super().dispatch(message)

    def allowed(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions

    async def disconnect(self, code: int) -> None:
        for topic in getattr(self, "topics", set()):
            await self.channel_layer.group_discard(live.topic_group(topic), self.channel_name)

    async def reply(self, kind: str, data: dict[str, Any]) -> None:
        await self.send(
            text_data=json.dumps({"type": kind, "ts": timezone.now().isoformat(), "data": data})
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_MESSAGE_BYTES:
            await self.reply("error", {"message": "Send JSON text messages of at most 16 KiB."})
            return
        try:
            request = json.loads(text_data)
        except ValueError:
            await self.reply("error", {"message": "The message is not valid JSON."})
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
