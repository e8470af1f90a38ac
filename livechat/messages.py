"""Storing chat messages: gap-free per-conversation sequence numbers and idempotent client retries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Conversation, Message, SenderKind
from livechat.db.types import utcnow
from livechat.errors import NotFound
from livechat.interaction_log import record
from livechat.transaction import Tx

MAX_REPLAY = 500


async def lock_conversation(tx: Tx, conversation_id: uuid.UUID) -> Conversation:
    """Row-lock the conversation (PostgreSQL; SQLite's IMMEDIATE transaction already serializes writers)."""
    conv = await tx.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update().execution_options(populate_existing=True)
    )
    if conv is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return conv


async def find_by_client_id(session: AsyncSession, conversation_id: uuid.UUID, client_id: str) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.client_id == client_id)
    )


async def append_message(
    tx: Tx,
    conv: Conversation,
    sender_kind: SenderKind,
    *,
    text: str | None,
    payload: dict[str, Any] | None = None,
    sender_id: str | None = None,
    client_id: str | None = None,
    flush: bool = True,
    origin_sid: str | None = None,
) -> Message:
    """Append a message to a conversation locked by this transaction; announced after commit.

    flush=False leaves the INSERT to the transaction's next flush (the message writer batches them).
    origin_sid is the socket that sent it: it has the message in its ack, so the announcement skips it.
    """
    conv.last_seq += 1
    conv.updated_at = utcnow()
    message = Message(
        conversation_id=conv.id,
        seq=conv.last_seq,
        sender_kind=sender_kind,
        sender_id=sender_id,
        client_id=client_id,
        text=text,
        payload=payload,
    )
    tx.session.add(message)
    if flush:
        await tx.session.flush()
    record(
        tx,
        "message.created",
        visitor_id=conv.visitor_id,
        conversation_id=conv.id,
        data={"seq": message.seq, "sender": sender_kind.value, "chars": len(text or "")},
    )
    tx.emit("message.created", conversation=conv, message=message, origin_sid=origin_sid)
    return message


async def messages_after(session: AsyncSession, conversation_id: uuid.UUID, after_seq: int, limit: int = MAX_REPLAY) -> list[Message]:
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(rows)


def message_to_wire(message: Message) -> dict[str, Any]:
    """The Message object of docs/protocol.md."""
    return {
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "sender": message.sender_kind.value,
        "text": message.text,
        "payload": message.payload,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }
