"""The /visitor namespace: thin handlers that parse, call one operation and ack its result."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import socketio

from livechat import visitor_privacy as privacy
from livechat.conversations import latest_conversation
from livechat.db.models import ConversationState, SenderKind
from livechat.errors import InvalidInput, Unauthorized
from livechat.event_ingest import EventIngestor
from livechat.language_detection import LanguageDetector, language_follower
from livechat.message_writer import MessageWriter, NotOnFastPath
from livechat.messages import message_to_wire
from livechat.offline_messages import LeaveMessageIn, leave_message
from livechat.realtime.acks import AckingNamespace, acked
from livechat.rate_limit import RateLimited, RateLimiter, enforce
from livechat.realtime.server import VISITOR_NAMESPACE, client_ip, visitor_room
from livechat.services import Services
from livechat.text_input import clean_text, parse
from livechat.tokens import read_visitor_token
from livechat.visitors import MessageIn, ReadIn, SyncIn, post_visitor_message, read_by_visitor, sync, visitor_may_write

log = logging.getLogger(__name__)


class VisitorNamespace(AckingNamespace):
    def __init__(
        self, services: Services, broadcaster, writer: MessageWriter, ingestor: EventIngestor, limiter: RateLimiter,
        languages: LanguageDetector | None = None,
    ) -> None:
        super().__init__(VISITOR_NAMESPACE, events_per_10s=services.settings.socket_events_per_10s)
        self._services = services
        self._limiter = limiter
        self._broadcaster = broadcaster
        self._writer = writer
        self._ingestor = ingestor
        self._languages = languages

    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            await enforce(self._limiter, f"connect:ip:{client_ip(environ)}", limit=self._services.settings.socket_connects_per_ip_per_min,
                          window_s=60, what="connections from your address")
        except RateLimited as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message, exc.to_dict()) from None
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
        async with self._services.sessions() as db:
            result = await sync(db, visitor_id, request)
        if result["conversation"] is not None:
            session = await self.get_session(sid)
            await self.save_session(sid, {**session, "conversation_id": result["conversation"]["id"]})
        return result

    @acked
    async def on_message(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(MessageIn, data)
        session = await self.get_session(sid)
        visitor_id = uuid.UUID(session["visitor_id"])
        known = request.conversation_id or (uuid.UUID(session["conversation_id"]) if session.get("conversation_id") else None)
        message = None
        text = clean_text(request.text, max_chars=self._services.settings.max_message_chars)
        # A quick reply is the bot's own button text: no evidence of the visitor's language.
        guess = self._languages.ask(text) if self._languages and not request.quick_reply else None
        if known is not None and not request.quick_reply:
            # The common case, a message in the conversation this socket already knows: batched with others,
            # its language worked out while it waits for its batch.
            try:
                message, _created = await self._writer.append(
                    known, SenderKind.VISITOR, text=text, client_id=request.client_id, sender_id=str(visitor_id),
                    check=visitor_may_write(visitor_id), after=language_follower(guess), origin_sid=sid, ready=guess,
                )
            except NotOnFastPath:
                message = None
        if message is None:
            if guess is not None:
                guess = await guess
            async with self._services.transaction() as tx:
                message, _created = await post_visitor_message(
                    tx, visitor_id, request, self._services.settings, guess=guess, origin_sid=sid,
                )
        if session.get("conversation_id") != str(message.conversation_id):
            await self.save_session(sid, {**session, "conversation_id": str(message.conversation_id)})
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
        return {"stored": await privacy.track(self._ingestor, visitor_id, request)}

    @acked
    async def on_identify(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.IdentifyIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            secret = self._services.settings.identity_secret
            customer_id = await privacy.identify(tx, visitor_id, request, identity_secret=secret.get_secret_value() if secret else None)
        return {"customer_id": str(customer_id)}

    @acked
    async def on_csat(self, sid: str, data: Any) -> dict[str, Any]:
        request = parse(privacy.CsatIn, data)
        visitor_id = await self._visitor_id(sid)
        async with self._services.transaction() as tx:
            await privacy.rate_conversation(tx, visitor_id, request)
        return {}
