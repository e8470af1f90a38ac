"""Listeners that push committed changes to the sockets that should see them, visitors and agents.

A new message goes to the conversation's sockets except the one that sent it: that one has it in its ack.
"""

from __future__ import annotations

import uuid
from typing import Any

import socketio
from socketio.async_pubsub_manager import AsyncPubSubManager

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
from livechat.summaries import named, reduced, summary, visitor_names
from livechat.transaction import DomainEvent
from livechat.visitors import conversation_to_wire


class Broadcaster:
    def __init__(self, sio: socketio.AsyncServer, services: Services | None = None) -> None:
        self._sio = sio
        self._services = services
        self._names: dict[uuid.UUID, str] = {}
        # On one node its rooms are all there is; with Redis other nodes have sockets in them too.
        self._single_node = not isinstance(sio.manager, AsyncPubSubManager)

    def _nobody_else(self, namespace: str, rooms: str | list[str], skip_sids: list[str]) -> bool:
        """Whether an emit to these rooms skipping these sockets would reach nobody: then it is not built."""
        if not self._single_node:
            return False
        return all(sid in skip_sids for sid, _eio_sid in self._sio.manager.get_participants(namespace, rooms))

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

    async def _visitor_name(self, visitor_id: uuid.UUID) -> str | None:
        if self._services is None:
            return None
        async with self._services.sessions() as session:
            return (await visitor_names(session, {visitor_id})).get(visitor_id)

    async def _publish_summary(
        self, conv: Conversation, last_message: Message | None, *, state_changed: bool, skip_sids: list[str] | None = None,
        with_visitor_name: bool = True,
    ) -> None:
        name = await self._name(conv.assignee_id)
        if state_changed:
            # Everyone drops it from lists they may no longer see; then those who may see it get it whole.
            await self._to_agents("conversation", reduced(conv, name), [ALL_AGENTS])
        rooms = self._list_rooms(conv)
        if skip_sids and self._nobody_else(AGENT_NAMESPACE, rooms, skip_sids):
            return
        wire = summary(conv, last_message=last_message, assignee_name=name)
        if with_visitor_name:
            wire = named(wire, await self._visitor_name(conv.visitor_id))
        await self._to_agents("conversation", wire, rooms, skip_sid=skip_sids)

    # -- listeners ---------------------------------------------------------------------------------

    async def on_message_created(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        message: Message = event.data["message"]
        origin = event.data.get("origin_sid")
        wire = message_to_wire(message)
        if message.sender_kind is not SenderKind.VISITOR or not self._nobody_else(VISITOR_NAMESPACE, visitor_room(conv.visitor_id), [origin]):
            await self._to_visitor("message", wire, conv, skip_sid=origin if message.sender_kind is SenderKind.VISITOR else None)
        room = conversation_room(conv.id)
        await self._to_agents("message", wire, [room], skip_sid=origin if message.sender_kind is SenderKind.AGENT else None)
        # A message changes a list entry by what it carries (last_seq, the preview, updated_at = created_at),
        # so the agents watching the conversation (here, on this node) update theirs from it and get no
        # summary, one packet fewer per message; unless the message also changed its language.
        watchers = None
        if event.data.get("language", conv.language) == conv.language:
            watchers = [sid for sid, _eio_sid in self._sio.manager.get_participants(AGENT_NAMESPACE, room)]
        await self._publish_summary(conv, message, state_changed=False, skip_sids=watchers, with_visitor_name=False)

    async def on_state_changed(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        transition = event.data["transition"]
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
