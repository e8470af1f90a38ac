"""Conversation summaries: what the console's lists show, built in a fixed number of queries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Agent, Conversation, CustomerIdentity, Message, Visitor

PREVIEW_CHARS = 140


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def preview(message: Message | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {"seq": message.seq, "sender": message.sender_kind.value, "text": (message.text or "")[:PREVIEW_CHARS]}


def summary(conv: Conversation, *, last_message: Message | None, assignee_name: str | None) -> dict[str, Any]:
    """The Summary object of docs/agent-protocol.md."""
    return {
        "id": str(conv.id),
        "state": conv.state.value,
        "state_version": conv.state_version,
        "visitor_id": str(conv.visitor_id),
        "language": conv.language,
        "team": conv.team,
        "handoff_reason": conv.handoff_reason,
        "assignee": {"id": str(conv.assignee_id), "name": assignee_name} if conv.assignee_id else None,
        "queued_at": _iso(conv.queued_at),
        "assigned_at": _iso(conv.assigned_at),
        "closed_at": _iso(conv.closed_at),
        "resolution": conv.resolution,
        "offline": conv.offline_at is not None,
        "contact_email": conv.contact_email,
        "last_seq": conv.last_seq,
        "visitor_read_seq": conv.visitor_read_seq,
        "agent_read_seq": conv.agent_read_seq,
        "last_message": preview(last_message),
        "created_at": _iso(conv.created_at),
        "updated_at": _iso(conv.updated_at),
    }


def reduced(conv: Conversation, assignee_name: str | None) -> dict[str, Any]:
    """What an agent learns about a conversation someone else now handles: enough to drop it from a list."""
    return {
        "id": str(conv.id),
        "state": conv.state.value,
        "state_version": conv.state_version,
        "assignee": {"id": str(conv.assignee_id), "name": assignee_name} if conv.assignee_id else None,
    }


async def agent_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))
    return {agent_id: name for agent_id, name in rows}


async def visitor_names(session: AsyncSession, visitor_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the customers these visitors identified as (those who gave one)."""
    if not visitor_ids:
        return {}
    rows = await session.execute(
        select(Visitor.id, CustomerIdentity.name)
        .join(CustomerIdentity, CustomerIdentity.customer_id == Visitor.customer_id)
        .where(Visitor.id.in_(visitor_ids), CustomerIdentity.name.is_not(None))
    )
    return {visitor_id: name for visitor_id, name in rows}


def named(wire: dict[str, Any], visitor_name: str | None) -> dict[str, Any]:
    """A summary with the visitor's name. Summaries sent for a new message leave it out (no lookup per
    message); the console keeps the name it has."""
    return {**wire, "visitor_name": visitor_name}


async def summaries(session: AsyncSession, convs: list[Conversation]) -> list[dict[str, Any]]:
    keys = [(c.id, c.last_seq) for c in convs if c.last_seq > 0]
    last: dict[uuid.UUID, Message] = {}
    if keys:
        rows = await session.scalars(select(Message).where(tuple_(Message.conversation_id, Message.seq).in_(keys)))
        last = {m.conversation_id: m for m in rows}
    names = await agent_names(session, {c.assignee_id for c in convs if c.assignee_id})
    visitors = await visitor_names(session, {c.visitor_id for c in convs})
    return [
        named(summary(c, last_message=last.get(c.id), assignee_name=names.get(c.assignee_id)), visitors.get(c.visitor_id))
        for c in convs
    ]


async def one_summary(session: AsyncSession, conv: Conversation) -> dict[str, Any]:
    return (await summaries(session, [conv]))[0]
