"""The supervisor's live figures: states, queue, first response, bot containment."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Conversation, ConversationState as S
from livechat.db.types import utcnow
from livechat.presence import Status

WINDOW = timedelta(hours=24)


def containment_rate(closed_with_agent: list[bool]) -> float | None:
    """Share of closed conversations no person took part in."""
    if not closed_with_agent:
        return None
    return sum(1 for involved in closed_with_agent if not involved) / len(closed_with_agent)


async def dashboard(session: AsyncSession, presence: dict) -> dict[str, Any]:
    now = utcnow()
    since = now - WINDOW
    by_state = {s.value: 0 for s in S}
    for state, count in (await session.execute(select(Conversation.state, func.count()).group_by(Conversation.state))).all():
        by_state[state.value] = count
    oldest_queued = await session.scalar(
        select(func.min(Conversation.queued_at)).where(Conversation.state == S.QUEUED, Conversation.offline_at.is_(None))
    )
    queue_length = await session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.state == S.QUEUED, Conversation.offline_at.is_(None))
    )
    recent = (await session.execute(
        select(Conversation.state, Conversation.agent_involved, Conversation.queued_at, Conversation.first_agent_reply_at, Conversation.resolution)
        .where(Conversation.created_at >= since)
    )).all()
    first_responses = [
        (r.first_agent_reply_at - r.queued_at).total_seconds() for r in recent if r.first_agent_reply_at and r.queued_at
    ]
    closed = [r for r in recent if r.state is S.CLOSED]
    statuses = Counter(status for status in presence.values())
    return {
        "by_state": by_state,
        "queue_length": queue_length or 0,
        "longest_wait_s": (now - oldest_queued).total_seconds() if oldest_queued else None,
        "first_response_s": {
            "p50": statistics.median(first_responses) if first_responses else None,
            "avg": statistics.fmean(first_responses) if first_responses else None,
        },
        "containment_rate": containment_rate([r.agent_involved for r in closed]),
        "agents": {"online": statuses.get(Status.ONLINE, 0), "away": statuses.get(Status.AWAY, 0)},
        "window_h": int(WINDOW.total_seconds() // 3600),
        "closed_by_resolution": dict(Counter(r.resolution or "unknown" for r in closed)),
    }
