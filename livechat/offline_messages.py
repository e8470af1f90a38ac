"""Leaving a message while nobody is online: it becomes an offline conversation in the console."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from livechat.conversations import latest_conversation
from livechat.db.models import ConversationState as S, Message, SenderKind, Visitor
from livechat.db.types import utcnow
from livechat.errors import Conflict, Unauthorized
from livechat.interaction_log import record
from livechat.messages import append_message, find_by_client_id, lock_conversation
from livechat.settings import Settings
from livechat.system_texts import system_text
from livechat.text_input import clean_text
from livechat.transaction import Tx


class LeaveMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
    text: str = Field(max_length=100_000)

    @field_validator("email")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return value.strip()


async def leave_message(tx: Tx, visitor_id: uuid.UUID, request: LeaveMessageIn, settings: Settings) -> tuple[Message, bool]:
    """Store the visitor's message and email on their waiting conversation; a retried client_id is a no-op."""
    text = clean_text(request.text, max_chars=settings.max_message_chars)
    visitor = await tx.session.get(Visitor, visitor_id, with_for_update=True)
    if visitor is None:
        raise Unauthorized("Unknown visitor.")
    latest = await latest_conversation(tx.session, visitor_id)
    if latest is None:
        raise Conflict("There is no conversation to leave a message in.", code="not_waiting")
    conv = await lock_conversation(tx, latest.id)
    existing = await find_by_client_id(tx.session, conv.id, request.client_id)
    if existing is not None:
        return existing, False
    if conv.state is not S.QUEUED:
        raise Conflict("Someone is already here to chat; just write your message.", code="not_waiting", state=conv.state.value)
    message = await append_message(
        tx, conv, SenderKind.VISITOR, text=text, sender_id=str(visitor_id), client_id=request.client_id,
        payload={"type": "offline_message", "email": request.email},
    )
    conv.offline_at = utcnow()
    conv.contact_email = request.email
    await append_message(
        tx, conv, SenderKind.SYSTEM, text=system_text("offline_received", conv.language, email=request.email),
        payload={"type": "offline_received"},
    )
    record(tx, "conversation.offline_message", visitor_id=visitor_id, conversation_id=conv.id, data={"seq": message.seq})
    tx.emit("conversation.offline_message", conversation=conv)
    return message, True
