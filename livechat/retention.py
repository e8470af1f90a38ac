"""The retention job: conversations older than the configured age lose their personal content.

Closed conversations whose last activity is older than `LIVECHAT_RETENTION_DAYS` get the same
treatment as an erasure (message text and payloads, contact emails, rating comments), in batches, so
it can run while the server serves. Counts and behaviour stay for reports and profiles.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from livechat.customer_rights import ERASED_TEXT
from livechat.db.models import Conversation, ConversationState, Message
from livechat.db.types import utcnow
from livechat.interaction_log import record

BATCH = 500
EVERY_S = 6 * 3600

log = logging.getLogger(__name__)


async def run_retention(transaction, days: int, *, every_s: float = EVERY_S) -> None:
    """Run the job now and then every `every_s` seconds, for as long as the server runs."""
    while True:
        try:
            count = await anonymize_older_than(transaction, days)
            if count:
                log.info("retention: anonymized %d conversations older than %d days", count, days)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next round retries; a failed run loses nothing
            log.exception("retention run failed")
        await asyncio.sleep(every_s)


async def anonymize_older_than(transaction, days: int, *, now: datetime | None = None) -> int:
    """Anonymize closed conversations untouched for `days`; returns how many were anonymized."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    total = 0
    while True:
        async with transaction() as tx:
            ids = list(await tx.session.scalars(
                select(Conversation.id)
                .where(Conversation.state == ConversationState.CLOSED, Conversation.updated_at < cutoff,
                       Conversation.anonymized_at.is_(None))
                .order_by(Conversation.updated_at).limit(BATCH).with_for_update(skip_locked=True)
            ))
            if not ids:
                return total
            await tx.session.execute(
                update(Message).where(Message.conversation_id.in_(ids)).values(text=ERASED_TEXT, payload=None)
                .execution_options(synchronize_session=False)
            )
            await tx.session.execute(
                update(Conversation).where(Conversation.id.in_(ids))
                .values(contact_email=None, csat_comment=None, anonymized_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            record(tx, "retention.anonymized", data={"conversations": len(ids), "older_than_days": days})
            total += len(ids)
