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
    """A conversation as locked by the writer's transaction, or as the writer last wrote it; changes are
    written back by its statement. `version` is the row's version (PostgreSQL's xmin) once written."""

    __slots__ = (*_COLUMNS, "version")

    def __init__(self, record: asyncpg.Record | None = None) -> None:
        self.version: int | None = None
        if record is not None:
            for name in _COLUMNS:
                setattr(self, name, record[name])
            self.state = ConversationState(self.state)

    def copy(self) -> ConversationRow:
        """A copy to stage a batch on: the events of the batch before keep the row they were published with."""
        row = ConversationRow()
        for name in self.__slots__:
            setattr(row, name, getattr(self, name))
        return row


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
