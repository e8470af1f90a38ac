"""Read receipts: the highest message each side has seen, only ever moving forward."""

from __future__ import annotations

from typing import Literal

from livechat.db.models import Conversation
from livechat.transaction import Tx

Reader = Literal["visitor", "agent"]


def mark_read(tx: Tx, conv: Conversation, *, reader: Reader, seq: int) -> bool:
    """Move `reader`'s mark to `seq` (capped at the last message) on a conversation locked by `tx`."""
    seq = min(seq, conv.last_seq)
    field = "visitor_read_seq" if reader == "visitor" else "agent_read_seq"
    if seq <= getattr(conv, field):
        return False
    setattr(conv, field, seq)
    tx.emit("conversation.read", conversation=conv, reader=reader, seq=seq)
    return True
