"""Appending to the interaction event log. Rows are never updated or deleted by the app."""

from __future__ import annotations

import uuid
from typing import Any

from livechat.db.models import InteractionEvent
from livechat.db.types import utcnow
from livechat.transaction import Tx


def record(
    tx: Tx,
    type_: str,
    *,
    visitor_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> InteractionEvent:
    event = InteractionEvent(
        type=type_, visitor_id=visitor_id, customer_id=customer_id, conversation_id=conversation_id, data=data or {},
        occurred_at=utcnow(),
    )
    tx.session.add(event)
    tx.recorded.append(event)
    return event
