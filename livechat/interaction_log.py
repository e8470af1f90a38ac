"""Appending to the interaction event log. Rows are never updated or deleted by the app.

`record` only notes the event on the transaction; the transaction stores everything it recorded with
one bulk insert just before it commits, and folds it into profiles (livechat.profile_store).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from livechat.db.types import utcnow
from livechat.transaction import Tx


@dataclass
class RecordedEvent:
    type: str
    visitor_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    data: dict[str, Any]
    occurred_at: datetime = field(default_factory=utcnow)
    id: int | None = None  # given when stored

    def row(self) -> dict[str, Any]:
        return {"type": self.type, "visitor_id": self.visitor_id, "customer_id": self.customer_id,
                "conversation_id": self.conversation_id, "data": self.data, "occurred_at": self.occurred_at}


def record(
    tx: Tx,
    type_: str,
    *,
    visitor_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> RecordedEvent:
    event = RecordedEvent(type_, visitor_id, customer_id, conversation_id, data or {}, occurred_at or utcnow())
    tx.recorded.append(event)
    return event
