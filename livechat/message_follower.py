"""Recording chat messages in the interaction log a moment after they are stored, a batch at a time.

Storing and relaying a message is what its ack waits for. Its interaction event (`message.created`), and
with it the profile fold, segment changes and the listeners of recorded interactions (offer triggers,
CRM sync), cost more than that, and most of it is per conversation, not per message: so it follows,
every FOLLOW_DELAY_S, for all the messages stored meanwhile. Profiles are current within about that.

Exactly once, by sequence number. A conversation's messages are numbered without gaps and committed in
order under its lock, and conversation_folds.folded_seq says up to which one their events are in the
log. A batch locks its conversations' rows there, records the events of the messages after them and
moves them on, all in one transaction: two nodes following the same conversation wait for each other,
and the second finds nothing left. The node that stored a message follows it; a sweep finds what a
node that stopped left behind: every conversation at the node's start, then those changed since shortly
before the sweep before (through the (state, updated_at) index), so a sweep costs what changed, not the
size of the shop's history.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from livechat.db import driver
from livechat.db.models import Conversation, ConversationFold, ConversationState, Message
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.transaction import DomainEvent, Tx

log = logging.getLogger(__name__)

# A batch's cost is mostly per conversation (its profile folded once, however many messages it brings), so
# gathering longer is cheaper: 1 s instead of 0.2 s raised the relay benchmark's throughput at 64 pairs by
# about a sixth (about 1,260 -> 1,490 msg/s). Profiles are current within about a second.
FOLLOW_DELAY_S = 1.0
SWEEP_S = 30.0
RETRY_S = 1.0
MAX_CONVERSATIONS = 500  # a batch's conversations: one transaction each this many
MAX_MESSAGES = 5_000  # a batch's messages: a backlog is followed in several transactions

# The cursors created where missing and locked in id order (an update of a row to itself locks it),
# for the conversations that still exist.
_LOCK_PG = """
    INSERT INTO conversation_folds (conversation_id, folded_seq)
    SELECT c.id, 0 FROM conversations c WHERE c.id = ANY(CAST(:ids AS uuid[])) ORDER BY c.id
    ON CONFLICT (conversation_id) DO UPDATE SET folded_seq = conversation_folds.folded_seq
    RETURNING conversation_id, folded_seq
"""
_MESSAGES_PG = """
    SELECT m.conversation_id, m.seq, m.sender_kind, char_length(m.text) AS chars, m.created_at, c.visitor_id
    FROM unnest(CAST(:ids AS uuid[]), CAST(:after AS integer[])) AS f(id, after)
    JOIN messages m ON m.conversation_id = f.id AND m.seq > f.after
    JOIN conversations c ON c.id = f.id
    ORDER BY m.conversation_id, m.seq
    LIMIT :limit
"""
_MOVE_PG = """
    UPDATE conversation_folds SET folded_seq = u.seq
    FROM unnest(CAST(:ids AS uuid[]), CAST(:seqs AS integer[])) AS u(id, seq)
    WHERE conversation_folds.conversation_id = u.id
"""

Row = tuple[uuid.UUID, int, str, int, object, uuid.UUID]  # conversation, seq, sender, chars, created_at, visitor


class MessageFollower:
    """`transaction` opens a Tx (Services.transaction); subscribe `on_message_created` to the bus."""

    def __init__(
        self, transaction: Callable[[], AbstractAsyncContextManager[Tx]], *, delay_s: float = FOLLOW_DELAY_S,
        sweep_s: float = SWEEP_S,
    ) -> None:
        self._transaction = transaction
        self._delay_s = delay_s
        self._sweep_s = sweep_s
        self._dirty: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def on_message_created(self, event: DomainEvent) -> None:
        self._dirty.add(event.data["conversation"].id)
        self._wake.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._follow_noticed(), name="message-follower"),
                       asyncio.create_task(self._sweep(), name="message-follower-sweep")]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # What this node stored last is followed now rather than by another node's sweep.
        dirty, self._dirty = self._dirty, set()
        try:
            await self.follow(dirty)
        except Exception:  # noqa: BLE001 - the sweep of the next node to start follows them
            log.exception("could not follow the last messages of %d conversations while stopping", len(dirty))

    async def _follow_noticed(self) -> None:
        while True:
            await self._wake.wait()
            # Gathering: a batch then holds several messages of each busy conversation.
            await asyncio.sleep(self._delay_s)
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            try:
                await self.follow(dirty)
            except Exception:  # noqa: BLE001 - nothing is lost: the cursors did not move; tried again shortly
                log.exception("following the messages of %d conversations failed; trying again", len(dirty))
                self._dirty |= dirty
                await asyncio.sleep(RETRY_S)
                self._wake.set()

    async def _sweep(self) -> None:
        since: datetime | None = None  # the first sweep looks at every conversation, however long ago it changed
        while True:
            started = utcnow()
            try:
                followed = await self.follow(await self.lagging(since))
                if followed:
                    log.info("followed %d messages left behind", followed)
                # The next looks back to one interval before this one began: what was stored meanwhile, with
                # room for another node's clock running behind this one's.
                since = started - timedelta(seconds=self._sweep_s)
            except Exception:  # noqa: BLE001 - tried again at the next sweep, looking as far back as this one
                log.exception("the sweep for messages not yet in the interaction log failed")
            await asyncio.sleep(self._sweep_s)

    async def lagging(self, since: datetime | None = None) -> list[uuid.UUID]:
        """Conversations with messages whose events are not recorded yet, on any node; only those changed
        since `since`, if given."""
        query = (select(Conversation.id).outerjoin(ConversationFold, ConversationFold.conversation_id == Conversation.id)
                 .where(Conversation.last_seq > func.coalesce(ConversationFold.folded_seq, 0)))
        if since is not None:
            # Every state listed, so the (state, updated_at) index serves the range.
            query = query.where(Conversation.state.in_(list(ConversationState)), Conversation.updated_at >= since)
        async with self._transaction() as tx:
            return list(await tx.session.scalars(query))

    async def follow(self, conversation_ids: set[uuid.UUID] | list[uuid.UUID]) -> int:
        """Record the events of these conversations' messages not recorded yet; how many there were."""
        ids = sorted(set(conversation_ids))
        total = 0
        for start in range(0, len(ids), MAX_CONVERSATIONS):
            chunk = ids[start:start + MAX_CONVERSATIONS]
            while True:
                async with self._transaction() as tx:
                    count = await record_messages(tx, chunk)
                total += count
                if count < MAX_MESSAGES:
                    break
        return total


async def record_messages(tx: Tx, conversation_ids: list[uuid.UUID], *, limit: int = MAX_MESSAGES) -> int:
    """In this transaction: lock the conversations' cursors, record up to `limit` messages after them
    (each conversation's in order, from its cursor on) and move the cursors past them."""
    if not conversation_ids:
        return 0
    postgres = tx.session.bind.dialect.name == "postgresql"
    folded = await (_lock_pg if postgres else _lock_generic)(tx, conversation_ids)
    if not folded:
        return 0
    rows = await (_messages_pg if postgres else _messages_generic)(tx, folded, limit)
    reached: dict[uuid.UUID, int] = {}
    for conversation_id, seq, sender, chars, created_at, visitor_id in rows:
        record(tx, "message.created", visitor_id=visitor_id, conversation_id=conversation_id, occurred_at=created_at,
               data={"seq": seq, "sender": sender, "chars": chars or 0})
        reached[conversation_id] = seq
    if reached:
        await (_move_pg if postgres else _move_generic)(tx, reached)
    return len(rows)


async def _lock_pg(tx: Tx, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    return {r["conversation_id"]: r["folded_seq"] for r in await driver.fetch(tx.session, _LOCK_PG, {"ids": ids})}


async def _messages_pg(tx: Tx, folded: dict[uuid.UUID, int], limit: int) -> list[Row]:
    rows = await driver.fetch(tx.session, _MESSAGES_PG, {"ids": list(folded), "after": list(folded.values()), "limit": limit})
    return [tuple(r) for r in rows]


async def _move_pg(tx: Tx, reached: dict[uuid.UUID, int]) -> None:
    await driver.fetch(tx.session, _MOVE_PG, {"ids": list(reached), "seqs": list(reached.values())})


# SQLite: one writer at a time, so the transaction already holds everything it reads.
async def _lock_generic(tx: Tx, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    session = tx.session
    existing = list(await session.scalars(select(Conversation.id).where(Conversation.id.in_(ids))))
    if not existing:
        return {}
    await session.execute(sqlite_insert(ConversationFold).on_conflict_do_nothing(),
                          [{"conversation_id": c, "folded_seq": 0} for c in existing])
    return dict((await session.execute(
        select(ConversationFold.conversation_id, ConversationFold.folded_seq).where(ConversationFold.conversation_id.in_(existing))
    )).all())


async def _messages_generic(tx: Tx, folded: dict[uuid.UUID, int], limit: int) -> list[Row]:
    rows: list[Row] = []
    for conversation_id, after in sorted(folded.items()):
        if len(rows) >= limit:
            break
        rows.extend(tuple(r) for r in (await tx.session.execute(
            select(Message.conversation_id, Message.seq, Message.sender_kind, func.length(Message.text), Message.created_at,
                   Conversation.visitor_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.conversation_id == conversation_id, Message.seq > after)
            .order_by(Message.seq).limit(limit - len(rows))
        )).all())
    return [(c, seq, getattr(sender, "value", sender), chars, at, visitor) for c, seq, sender, chars, at, visitor in rows]


async def _move_generic(tx: Tx, reached: dict[uuid.UUID, int]) -> None:
    await tx.session.execute(update(ConversationFold), [{"conversation_id": c, "folded_seq": seq} for c, seq in reached.items()])
