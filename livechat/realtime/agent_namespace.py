"""The /agent namespace: authenticated agents watch conversations and act on them through acked events."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import socketio
from pydantic import BaseModel, ConfigDict

from livechat import agent_actions as actions
from livechat.agent_auth import Principal, authenticate, session_is_open
from livechat.db.models import Agent, AgentRole, SenderKind
from livechat.errors import Forbidden, InvalidInput, Unauthorized
from livechat.message_writer import MessageWriter, NotOnFastPath
from livechat.messages import message_to_wire, messages_after
from livechat.presence import Presence, Status
from livechat.realtime.acks import AckingNamespace, acked
from livechat.realtime.server import (
    AGENT_NAMESPACE,
    ALL_AGENTS,
    SUPERVISORS,
    agent_room,
    conversation_room,
    session_room,
    team_room,
)
from livechat.services import Services
from livechat.summaries import one_summary
from livechat.text_input import clean_text, parse

log = logging.getLogger(__name__)

HISTORY_LIMIT = 2000


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Status


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    token: str


class AgentNamespace(AckingNamespace):
    def __init__(self, services: Services, presence: Presence, broadcaster, dispatcher, writer: MessageWriter) -> None:
        super().__init__(AGENT_NAMESPACE, events_per_10s=services.settings.socket_events_per_10s)
        self._writer = writer
        self._services = services
        self._presence = presence
        self._broadcaster = broadcaster
        self._dispatcher = dispatcher
        # Per socket: its status changes are applied in the order they came (see on_presence).
        self._presence_order: dict[str, asyncio.Lock] = {}

    @property
    def _key(self) -> str:
        return self._services.settings.signing_key

    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            async with self._services.sessions() as session:
                principal = await authenticate(session, token, key=self._key)
                agent = await session.get(Agent, principal.agent_id)
        except Unauthorized as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message, exc.to_dict()) from None
        await self.save_session(sid, _session_data(principal, agent))
        rooms = [agent_room(agent.id), session_room(principal.session_id)]
        if principal.is_supervisor:
            rooms.append(SUPERVISORS)
        else:
            rooms += [ALL_AGENTS, *(team_room(t) for t in agent.teams or [])]
        for room in rooms:
            await self.enter_room(sid, room)

    async def on_disconnect(self, sid: str, *args: Any) -> None:
        self._presence_order.pop(sid, None)
        session = await self.get_session(sid)
        if session:
            await self._presence.drop(uuid.UUID(session["agent_id"]), sid)

    async def _principal(self, sid: str) -> Principal:
        session = await self.get_session(sid)
        principal = _principal_of(session)
        if principal.expires_at <= datetime.now(UTC):
            raise Unauthorized("Your access token expired; send reauth with a fresh one.", code="token_expired")
        # Logging out on another node revokes the session; this socket must stop working too.
        async with self._services.sessions() as db:
            if not await session_is_open(db, principal.session_id):
                raise Unauthorized("Your session has ended; log in again.")
        return principal

    # -- session ---------------------------------------------------------------------------------

    @acked
    async def on_reauth(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(TokenIn, data)
        current = _principal_of(await self.get_session(sid))
        async with self._services.sessions() as session:
            principal = await authenticate(session, request.token, key=self._key)
            agent = await session.get(Agent, principal.agent_id)
        if principal.agent_id != current.agent_id:
            raise Forbidden("That token belongs to someone else.")
        await self.save_session(sid, _session_data(principal, agent))
        return {"expires_at": principal.expires_at.isoformat()}

    @acked
    async def on_presence(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(PresenceIn, data)
        # socket.io runs each event in its own task: without this, an "away" sent right after an "online"
        # could be applied first and leave the agent online, taking chats. Taken before the first await,
        # so in the order the events came.
        async with self._presence_order.setdefault(sid, asyncio.Lock()):
            principal = await self._principal(sid)
            if request.status is Status.OFFLINE:
                await self._presence.drop(principal.agent_id, sid)
                return {"status": "offline"}
            became_available = await self._presence.heartbeat(principal.agent_id, sid, request.status)
            if became_available:
                await self._dispatcher.on_agent_available(principal.agent_id)
            return {"status": request.status.value}

    # -- watching --------------------------------------------------------------------------------

    @acked
    async def on_watch(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.ConversationRef, data)
        principal = await self._principal(sid)
        async with self._services.sessions() as session:
            conv = await actions.viewable(session, principal, request.conversation_id)
        # In the room before the history is read: a message committed in between comes both ways (the
        # console keeps one per seq) rather than neither.
        await self.enter_room(sid, conversation_room(conv.id))
        async with self._services.sessions() as session:
            messages = await messages_after(session, conv.id, 0, limit=HISTORY_LIMIT)
            wire = await one_summary(session, conv)
        return {"conversation": wire, "messages": [message_to_wire(m) for m in messages]}

    @acked
    async def on_unwatch(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.ConversationRef, data)
        await self._principal(sid)
        await self.leave_room(sid, conversation_room(request.conversation_id))
        return {}

    # -- acting ----------------------------------------------------------------------------------

    async def _summary_of(self, conv) -> dict[str, Any]:
        async with self._services.sessions() as session:
            return await one_summary(session, conv)

    @acked
    async def on_claim(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.ConversationRef, data)
        principal = await self._principal(sid)
        async with self._services.transaction() as tx:
            conv = await actions.claim(tx, principal, request)
        await self.enter_room(sid, conversation_room(conv.id))
        return {"conversation": await self._summary_of(conv)}

    @acked
    async def on_message(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.AgentMessageIn, data)
        text = clean_text(request.text, max_chars=self._services.settings.max_message_chars)
        principal = await self._principal(sid)
        try:
            message, _created = await self._writer.append(
                request.conversation_id, SenderKind.AGENT, text=text, client_id=request.client_id,
                sender_id=str(principal.agent_id), check=actions.agent_may_write(principal), after=actions.after_agent_message,
                origin_sid=sid,
            )
        except NotOnFastPath:
            raise Forbidden("That conversation is handled by someone else.") from None
        return {"message": message_to_wire(message)}

    @acked
    async def on_typing(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.TypingIn, data)
        principal = await self._principal(sid)
        session = await self.get_session(sid)
        room = conversation_room(request.conversation_id)
        if room not in self.rooms(sid):
            raise InvalidInput("Watch the conversation before typing in it.", code="not_watching")
        async with self._services.sessions() as db:
            conv = await actions.viewable(db, principal, request.conversation_id)
        if conv.assignee_id != principal.agent_id:
            return {}  # only the agent on the chat shows as typing
        await self._broadcaster.typing(conv, "agent", request.typing, name=session["name"])
        return {}

    @acked
    async def on_read(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.ReadIn, data)
        principal = await self._principal(sid)
        async with self._services.transaction() as tx:
            await actions.read_by_agent(tx, principal, request)
        return {}

    @acked
    async def on_transfer(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.TransferIn, data)
        principal = await self._principal(sid)
        async with self._services.transaction() as tx:
            conv = await actions.transfer(tx, principal, request)
        return {"conversation": await self._summary_of(conv)}

    @acked
    async def on_handback(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.HandbackIn, data)
        principal = await self._principal(sid)
        async with self._services.transaction() as tx:
            conv = await actions.handback(tx, principal, request)
        return {"conversation": await self._summary_of(conv)}

    @acked
    async def on_close(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(actions.CloseIn, data)
        principal = await self._principal(sid)
        async with self._services.transaction() as tx:
            conv = await actions.close(tx, principal, request)
        return {"conversation": await self._summary_of(conv)}


def _session_data(principal: Principal, agent: Agent) -> dict[str, Any]:
    return {
        "agent_id": str(principal.agent_id),
        "session_id": str(principal.session_id),
        "role": principal.role.value,
        "expires_at": principal.expires_at.isoformat(),
        "name": agent.name,
    }


def _principal_of(session: dict[str, Any]) -> Principal:
    return Principal(
        agent_id=uuid.UUID(session["agent_id"]),
        session_id=uuid.UUID(session["session_id"]),
        role=AgentRole(session["role"]),
        expires_at=datetime.fromisoformat(session["expires_at"]),
    )

