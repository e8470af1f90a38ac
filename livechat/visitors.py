"""What a visitor can do: start a session, send a message, catch up on what they missed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.conversations import conversation_for_new_message, latest_conversation
from livechat.db.models import Agent, Conversation, ConversationState, Message, SenderKind, Visitor
from livechat.db.types import utcnow
from livechat.errors import Forbidden, Unauthorized
from livechat.interaction_log import record
from livechat.messages import append_message, find_by_client_id, lock_conversation, message_to_wire, messages_after
from livechat.language_detection import Guess, follow_language
from livechat.message_writer import NotOnFastPath
from livechat.read_receipts import mark_read
from livechat.settings import Settings
from livechat.text_input import clean_text
from livechat.tokens import issue_visitor_token, read_visitor_token
from livechat.transaction import Tx

# Quick replies a visitor may always send, whatever the bot offered last.
ALWAYS_ALLOWED_QUICK_REPLIES = frozenset({"/human_handoff"})
# A visitor back after this long starts a new visit.
VISIT_GAP = timedelta(minutes=30)
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    visitor_token: str | None = Field(None, max_length=2048)
    language: str | None = Field(None, pattern=LANGUAGE_PATTERN)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    text: str = Field(max_length=100_000)
    quick_reply: str | None = Field(None, max_length=256)
    conversation_id: uuid.UUID | None = None


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    seq: int = Field(ge=0, le=2**31 - 1)


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    after_seq: int = Field(0, ge=0, le=2**31 - 1)
    conversation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class VisitorSession:
    visitor_id: uuid.UUID
    token: str
    expires_at: datetime


async def start_session(tx: Tx, request: SessionIn, settings: Settings) -> VisitorSession:
    """Refresh a valid token for the same visitor, or create a new pseudonymous visitor."""
    visitor: Visitor | None = None
    if request.visitor_token:
        try:
            visitor_id = read_visitor_token(request.visitor_token, key=settings.signing_key)
            visitor = await tx.session.get(Visitor, visitor_id)
        except Unauthorized:
            visitor = None
    language = request.language.lower().replace("_", "-") if request.language else None
    if visitor is None:
        visitor = Visitor(language=language)
        tx.session.add(visitor)
        await tx.session.flush()
        record(tx, "visitor.created", visitor_id=visitor.id, data={"language": language})
        record(tx, "visitor.session", visitor_id=visitor.id, data={"language": language})
    else:
        if utcnow() - visitor.last_seen_at > VISIT_GAP:
            record(tx, "visitor.session", visitor_id=visitor.id, data={"language": language})
        visitor.last_seen_at = utcnow()
        if language:
            visitor.language = language
    token, expires_at = issue_visitor_token(visitor.id, key=settings.signing_key, ttl_s=settings.visitor_token_ttl_s)
    return VisitorSession(visitor.id, token, expires_at)


async def post_visitor_message(
    tx: Tx, visitor_id: uuid.UUID, request: MessageIn, settings: Settings, *, guess: Guess | None = None,
    origin_sid: str | None = None,
) -> tuple[Message, bool]:
    """Store a visitor's message exactly once; (message, created). A retried client_id returns the stored one.

    `guess` is the language detected in the text: the conversation follows it when it is clear enough.
    origin_sid is the sending socket: it has the message in its ack, so the announcement skips it.
    """
    text = clean_text(request.text, max_chars=settings.max_message_chars)
    # Lock the visitor first: two first messages at once (two tabs, a retry) must find one conversation, not start two.
    visitor = await tx.session.get(Visitor, visitor_id, with_for_update=True)
    if visitor is None:
        raise Unauthorized("Unknown visitor.")
    conv = await conversation_for_new_message(tx, visitor, direct_segments=frozenset(settings.direct_to_agent_segments))
    if request.conversation_id is not None and request.conversation_id != conv.id:
        await _check_owns(tx.session, visitor_id, request.conversation_id)
    conv = await lock_conversation(tx, conv.id)
    existing = await find_by_client_id(tx.session, conv.id, request.client_id)
    if existing is not None:
        return existing, False
    payload = None
    if request.quick_reply and await _quick_reply_allowed(tx.session, conv, request.quick_reply):
        payload = {"type": "quick_reply", "payload": request.quick_reply}
    visitor.last_seen_at = utcnow()
    message = await append_message(
        tx, conv, SenderKind.VISITOR, text=text, payload=payload, sender_id=str(visitor_id), client_id=request.client_id,
        origin_sid=origin_sid,
    )
    follow_language(tx, conv, guess)
    return message, True


def visitor_may_write(visitor_id: uuid.UUID):
    """The message writer's check for a visitor's message in a known conversation."""

    def check(conv: Conversation) -> None:
        if conv.visitor_id != visitor_id:
            raise Forbidden("That conversation is not yours.")
        if conv.state is ConversationState.CLOSED:
            raise NotOnFastPath("a closed conversation reopens through the full operation")
    return check


async def sync(session: AsyncSession, visitor_id: uuid.UUID, request: SyncIn) -> dict[str, Any]:
    """The visitor's current conversation and every message after `after_seq`, in order."""
    if request.conversation_id is not None:
        conv = await _check_owns(session, visitor_id, request.conversation_id)
    else:
        conv = await latest_conversation(session, visitor_id)
    if conv is None:
        return {"conversation": None, "messages": []}
    messages = await messages_after(session, conv.id, request.after_seq)
    agent = await session.get(Agent, conv.assignee_id) if conv.assignee_id else None
    return {
        "conversation": conversation_to_wire(conv, agent_name=agent.name if agent else None),
        "messages": [message_to_wire(m) for m in messages],
    }


async def read_by_visitor(tx: Tx, visitor_id: uuid.UUID, request: ReadIn) -> None:
    latest = await latest_conversation(tx.session, visitor_id)
    if latest is not None:
        mark_read(tx, await lock_conversation(tx, latest.id), reader="visitor", seq=request.seq)


def conversation_to_wire(conv: Conversation, *, agent_name: str | None = None) -> dict[str, Any]:
    return {
        "id": str(conv.id),
        "state": conv.state.value,
        "language": conv.language,
        "agent": {"name": agent_name} if agent_name and conv.state is ConversationState.ASSIGNED else None,
        "offline": conv.offline_at is not None,
        "visitor_read_seq": conv.visitor_read_seq,
        "agent_read_seq": conv.agent_read_seq,
        "csat": conv.csat_rating,
    }


async def _check_owns(session: AsyncSession, visitor_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    conv = await session.get(Conversation, conversation_id)
    # Same answer for "not yours" and "does not exist", so ids cannot be probed.
    if conv is None or conv.visitor_id != visitor_id:
        raise Forbidden("That conversation is not yours.")
    return conv


async def _quick_reply_allowed(session: AsyncSession, conv: Conversation, quick_reply: str) -> bool:
    """Only buttons the bot actually offered (in its latest messages) may be sent as intents."""
    if quick_reply in ALWAYS_ALLOWED_QUICK_REPLIES:
        return True
    recent = await session.scalars(
        select(Message.payload)
        .where(Message.conversation_id == conv.id, Message.sender_kind == SenderKind.BOT)
        .order_by(Message.seq.desc())
        .limit(5)
    )
    for payload in recent:
        if payload and payload.get("type") == "buttons":
            if any(b.get("payload") == quick_reply for b in payload.get("buttons", [])):
                return True
    return False


def is_bot_turn(conv: Conversation, message: Message) -> bool:
    return message.sender_kind is SenderKind.VISITOR and conv.state is ConversationState.BOT
