"""Finding and starting a visitor's conversation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Conversation, ConversationState, SegmentMembership, Visitor
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.handoff import do_queue
from livechat.ownership import do_transition
from livechat.transaction import Tx

# A visitor who writes again within a day continues the same thread; later, a new conversation starts.
REOPEN_WINDOW = timedelta(days=1)


async def latest_conversation(session: AsyncSession, visitor_id: uuid.UUID) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(Conversation.visitor_id == visitor_id)
        .order_by(Conversation.created_at.desc(), Conversation.id)
        .limit(1)
    )


async def conversation_for_new_message(tx: Tx, visitor: Visitor, *, direct_segments: frozenset[str] = frozenset()) -> Conversation:
    """The conversation a visitor's next message belongs to: the open one, a recently closed one reopened
    (it goes back to the bot), or a new one with the bot, or straight in line for a person when the
    customer is in one of `direct_segments` (e.g. VIP customers)."""
    conv = await latest_conversation(tx.session, visitor.id)
    if conv is not None and conv.state is not ConversationState.CLOSED:
        return conv
    if conv is not None and conv.closed_at is not None and utcnow() - conv.closed_at < REOPEN_WINDOW:
        await do_transition(tx, conv.id, ConversationState.BOT, reason="reopened_by_visitor", actor="visitor")
        return conv
    conv = Conversation(visitor_id=visitor.id, state=ConversationState.BOT, language=visitor.language)
    tx.session.add(conv)
    await tx.session.flush()
    record(tx, "conversation.started", visitor_id=visitor.id, conversation_id=conv.id, data={"language": conv.language})
    segment = await _direct_segment(tx, visitor, direct_segments)
    if segment is not None:
        await do_queue(tx, conv, reason=f"segment:{segment}", actor="router")
    return conv


async def _direct_segment(tx: Tx, visitor: Visitor, direct_segments: frozenset[str]) -> str | None:
    if not direct_segments:
        return None
    return await tx.session.scalar(
        select(SegmentMembership.segment)
        .where(SegmentMembership.subject_id == (visitor.customer_id or visitor.id), SegmentMembership.segment.in_(direct_segments))
        .order_by(SegmentMembership.segment)
        .limit(1)
    )
