"""Listeners that push committed changes to the sockets that should see them, visitors and agents.

A new message goes at once to the conversation's sockets, except the one that sent it (it has the
message in its ack). The agents' lists learn of it through a conversation summary sent at most every
SUMMARY_EVERY_S per conversation: a busy chat updates a list a few times a second, not at every
message, and a state change sends what is pending first, so lists never go back in time.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import socketio

from livechat.db.models import Agent, Conversation, ConversationState as S, Message, SenderKind
from livechat.messages import message_to_wire
from livechat.realtime.server import (
    AGENT_NAMESPACE,
    ALL_AGENTS,
    SUPERVISORS,
    VISITOR_NAMESPACE,
    agent_room,
    conversation_room,
    session_room,
    team_room,
    visitor_room,
)
from livechat.services import Services
from livechat.summaries import reduced, summary
from livechat.transaction import DomainEvent
from livechat.visitors import conversation_to_wire

log = logging.getLogger(__name__)

SUMMARY_EVERY_S = 0.25


class Broadcaster:
    def __init__(self, sio: socketio.AsyncServer, services: Services | None = None, *, summary_every_s: float = SUMMARY_EVERY_S) -> None:
        self._sio = sio
        self._services = services
        self._names: dict[uuid.UUID, str] = {}
        self._summary_every_s = summary_every_s
        # The latest message of each conversation whose list summary is still to be sent, oldest first.
        self._pending: dict[uuid.UUID, tuple[Conversation, Message]] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def _name(self, agent_id: uuid.UUID | None) -> str | None:
        if agent_id is None or self._services is None:
            return None
        if agent_id not in self._names:
            async with self._services.sessions() as session:
                agent = await session.get(Agent, agent_id)
            if agent is None:
                return None
            self._names[agent_id] = agent.name
        return self._names[agent_id]

    async def _to_visitor(self, event: str, data: Any, conv: Conversation, *, skip_sid: str | None = None) -> None:
        await self._sio.emit(event, data, room=visitor_room(conv.visitor_id), namespace=VISITOR_NAMESPACE, skip_sid=skip_sid)

    async def _to_agents(self, event: str, data: Any, rooms: list[str], *, skip_sid: str | None = None) -> None:
        await self._sio.emit(event, data, room=rooms, namespace=AGENT_NAMESPACE, skip_sid=skip_sid)

    @staticmethod
    def _list_rooms(conv: Conversation) -> list[str]:
        """Who may see the conversation in their lists."""
        rooms = [SUPERVISORS]
        if conv.state in (S.BOT, S.QUEUED):
            rooms.append(team_room(conv.team) if conv.team else ALL_AGENTS)
        if conv.assignee_id:
            rooms.append(agent_room(conv.assignee_id))
        return rooms

    async def _publish_summary(self, conv: Conversation, last_message: Message | None, *, state_changed: bool) -> None:
        name = await self._name(conv.assignee_id)
        if state_changed:
            # Everyone drops it from lists they may no longer see; then those who may see it get it whole.
            await self._to_agents("conversation", reduced(conv, name), [ALL_AGENTS])
        await self._to_agents("conversation", summary(conv, last_message=last_message, assignee_name=name), self._list_rooms(conv))

    # -- list summaries of new messages, at most one per conversation and interval ---------------------

    def _summary_soon(self, conv: Conversation, message: Message) -> None:
        self._pending.pop(conv.id, None)  # re-inserted last: the dict stays in the order of the latest messages
        self._pending[conv.id] = (conv, message)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later(), name="summary-flusher")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._summary_every_s)
        # What is pending now; a message arriving meanwhile starts the next interval.
        for conversation_id in list(self._pending):
            try:
                await self._flush_summary(conversation_id)
            except Exception:  # noqa: BLE001 - one failed emit must not hold back the other lists
                log.exception("sending the summary of conversation %s failed", conversation_id)

    async def _flush_summary(self, conversation_id: uuid.UUID) -> None:
        pending = self._pending.pop(conversation_id, None)
        if pending is not None:
            conv, message = pending
            await self._publish_summary(conv, message, state_changed=False)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)

    # -- listeners ---------------------------------------------------------------------------------

    async def on_message_created(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        message: Message = event.data["message"]
        origin = event.data.get("origin_sid")
        wire = message_to_wire(message)
        await self._to_visitor("message", wire, conv, skip_sid=origin if message.sender_kind is SenderKind.VISITOR else None)
        await self._to_agents("message", wire, [conversation_room(conv.id)], skip_sid=origin if message.sender_kind is SenderKind.AGENT else None)
        self._summary_soon(conv, message)

    async def on_state_changed(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        transition = event.data["transition"]
        await self._flush_summary(conv.id)  # the last message's summary before the new state's, never after
        name = await self._name(conv.assignee_id)
        await self._to_visitor("conversation", conversation_to_wire(conv, agent_name=name), conv)
        await self._publish_summary(conv, None, state_changed=True)
        if transition.to_state is S.QUEUED:
            rooms = [SUPERVISORS, team_room(conv.team) if conv.team else ALL_AGENTS]
            await self._to_agents("notification", {"kind": "handoff", "conversation_id": str(conv.id), "reason": conv.handoff_reason}, rooms)
        elif transition.to_state is S.ASSIGNED and conv.assignee_id:
            kind = "transferred" if event.data.get("reason") == "transferred" else "assigned"
            await self._to_agents("notification", {"kind": kind, "conversation_id": str(conv.id)}, [agent_room(conv.assignee_id)])

    async def on_offline_message(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        await self._flush_summary(conv.id)
        await self._to_visitor("conversation", conversation_to_wire(conv, agent_name=None), conv)
        await self._publish_summary(conv, None, state_changed=False)
        rooms = [SUPERVISORS, team_room(conv.team) if conv.team else ALL_AGENTS]
        await self._to_agents("notification", {"kind": "offline_message", "conversation_id": str(conv.id)}, rooms)

    async def on_read(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        data = {"conversation_id": str(conv.id), "reader": event.data["reader"], "seq": event.data["seq"]}
        if event.data["reader"] == "agent":
            await self._to_visitor("read", data, conv)
        await self._to_agents("read", data, [conversation_room(conv.id)])

    async def on_logged_out(self, event: DomainEvent) -> None:
        room = session_room(event.data["principal"].session_id)
        await self._to_agents("logged_out", {}, [room])
        # Sockets on this node are cut now; on other nodes the revoked session refuses their next event.
        local = [sid for sid, _eio in self._sio.manager.get_participants(AGENT_NAMESPACE, room)]
        for sid in local:
            await self._sio.disconnect(sid, namespace=AGENT_NAMESPACE)

    async def queue_position(self, conv: Conversation, data: dict[str, Any]) -> None:
        await self._to_visitor("queue", data, conv)

    async def typing(self, conv: Conversation, sender: str, is_typing: bool, name: str | None = None) -> None:
        data: dict[str, Any] = {"conversation_id": str(conv.id), "sender": sender, "typing": is_typing}
        if name:
            data["name"] = name
        if sender != "visitor":
            await self._to_visitor("typing", data, conv)
        await self._to_agents("typing", data, [conversation_room(conv.id)])
