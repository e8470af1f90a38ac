"""Listeners that push committed changes to the sockets that should see them."""

from __future__ import annotations

import socketio

from livechat.db.models import Conversation
from livechat.messages import message_to_wire
from livechat.realtime.server import VISITOR_NAMESPACE, visitor_room
from livechat.transaction import DomainEvent
from livechat.visitors import conversation_to_wire


class Broadcaster:
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def on_message_created(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        await self._sio.emit(
            "message", message_to_wire(event.data["message"]), room=visitor_room(conv.visitor_id), namespace=VISITOR_NAMESPACE
        )

    async def on_state_changed(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        await self._sio.emit(
            "conversation", conversation_to_wire(conv), room=visitor_room(conv.visitor_id), namespace=VISITOR_NAMESPACE
        )

    async def typing(self, conv: Conversation, sender: str, is_typing: bool) -> None:
        await self._sio.emit(
            "typing",
            {"conversation_id": str(conv.id), "sender": sender, "typing": is_typing},
            room=visitor_room(conv.visitor_id),
            namespace=VISITOR_NAMESPACE,
        )
