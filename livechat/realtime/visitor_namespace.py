"""The /visitor namespace: thin handlers that parse, call one operation and ack its result."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import socketio

from livechat.errors import InvalidInput, Unauthorized
from livechat.messages import message_to_wire
from livechat.realtime.acks import acked
from livechat.realtime.server import VISITOR_NAMESPACE, visitor_room
from livechat.services import Services
from livechat.text_input import parse
from livechat.tokens import read_visitor_token
from livechat.conversations import latest_conversation
from livechat.db.models import ConversationState
from livechat import visitor_privacy as privacy
from livechat.offline_messages import LeaveMessageIn, leave_message
from livechat.visitors import MessageIn, ReadIn, SyncIn, post_visitor_message, read_by_visitor, sync

log = logging.getLogger(__name__)


class VisitorNamespace(socketio.AsyncNamespace):
    def __init__(self, services: Services, broadcaster) -> None:
        super().__init__(VISITOR_NAMESPACE)
        self._services = services
        self._broadcaster = broadcaster

    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            visitor_id = read_visitor_token(token, key=self._services.settings.signing_key)
        except Unauthorized as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message, exc.to_dict()) from None
        await self.save_session(sid, {"visitor_id": str(visitor_id)})
        await self.enter_room(sid, visitor_room(visitor_id))

    async def _visitor_id(self, sid: str) -> uuid.UUID:
        session = await self.get_session(sid)
        return uuid.UUID(session["visitor_id"])

    @acked
    async def on_sync(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(SyncIn, data if data is not None else {})
        visitor_id = await self._visitor_id(sid)
        async with self._services.sessions() as session:
            return await sync(session, visitor_id, request)

    @acked
    async def on_message(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(MessageIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            message, _created = await post_visitor_message(tx, visitor_id, request, self._services.settings)
        return {"message": message_to_wire(message)}

    @acked
    async def on_typing(self, sid: str, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or not isinstance(data.get("typing"), bool):
            raise InvalidInput("Expected {\"typing\": true|false}.")
        visitor_id = await self._visitor_id(sid)
        async with self._services.sessions() as session:
            conv = await latest_conversation(session, visitor_id)
        if conv is not None and conv.state is not ConversationState.CLOSED:
            await self._broadcaster.typing(conv, "visitor", data["typing"])
        return {}

    @acked
    async def on_read(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(ReadIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            await read_by_visitor(tx, visitor_id, request)
        return {}

    @acked
    async def on_leave_message(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(LeaveMessageIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            message, _created = await leave_message(tx, visitor_id, request, self._services.settings)
        return {"message": message_to_wire(message)}

    @acked
    async def on_consent(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.ConsentIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            return {"consent": await privacy.give_consent(tx, visitor_id, request)}

    @acked
    async def on_track(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.TrackIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            return {"stored": await privacy.track(tx, visitor_id, request, self._services.settings)}

    @acked
    async def on_identify(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.IdentifyIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            return {"customer_id": str(await privacy.identify(tx, visitor_id, request))}

    @acked
    async def on_csat(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.CsatIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            await privacy.rate_conversation(tx, visitor_id, request)
        return {}
