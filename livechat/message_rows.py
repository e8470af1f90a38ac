"""Plain rows for the message writer's hot path: a locked conversation and a message being stored.

On that path ORM objects cost more than the database's own work (building a mapped Message takes about
21 us of CPU, a Conversation 29 us, against well under 1 us for these), so the writer reads and writes
with array statements (livechat.db.driver) and hands these to the listeners instead. They carry the
same attributes as the mapped classes, which is all the listeners and wire formats read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from livechat.db.models import Conversation, ConversationState, SenderKind

_COLUMNS = tuple(c.name for c in Conversation.__table__.columns)


class ConversationRow:
    """A conversation as locked by the writer's transaction; changes are written back by its statement."""

    __slots__ = _COLUMNS

    def __init__(self, record: asyncpg.Record) -> None:
        for name in _COLUMNS:
            setattr(self, name, record[name])
        self.state = ConversationState(self.state)


@dataclass(slots=True, eq=False)
class MessageRow:
    conversation_id: uuid.UUID
    seq: int
    sender_kind: SenderKind
    sender_id: str | None
    client_id: str | None
    text: str | None
    payload: dict[str, Any] | None
    created_at: datetime
    id: int | None = None  # given when stored
