"""Messages reach the interaction log and the profiles exactly once, in order, a moment after they are
stored: with two nodes following the same conversations at once, after a node stopped before it followed
its last messages, and with a backlog bigger than one batch."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, text, update

from livechat import message_writer
from livechat.db import driver

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Conversation, ConversationFold, ConversationState, InteractionEvent, Profile, SenderKind, Visitor
from livechat.db.types import utcnow
from livechat.message_follower import MessageFollower, record_messages
from livechat.messages import append_message, lock_conversation
from livechat.transaction import EventBus, transaction
from tests.support.waiting import eventually


class Database:
    """One node's view of the database: its own engine and follower."""

    def __init__(self, url: str, *, delay_s: float = 0.01) -> None:
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.follower = MessageFollower(self.transaction, delay_s=delay_s)
        # As in a server: the follower learns of each stored message from the event bus.
        self.bus = EventBus()
        self.bus.subscribe("message.created", self.follower.on_message_created)

    def transaction(self):
        return transaction(self.sessions, self.bus)

    async def chat(self, visitors: int, messages: int) -> list[uuid.UUID]:
        """Conversations of new visitors, each with `messages` messages, visitor and agent taking turns."""
        ids = []
        for _ in range(visitors):
            async with self.transaction() as tx:
                visitor = Visitor()
                tx.session.add(visitor)
                await tx.session.flush()
                conv = Conversation(visitor_id=visitor.id, state=ConversationState.QUEUED)
                tx.session.add(conv)
                await tx.session.flush()
                ids.append(conv.id)
            await self.say(conv.id, messages)
        return ids

    async def say(self, conversation_id: uuid.UUID, messages: int) -> None:
        for n in range(messages):
            async with self.transaction() as tx:
                conv = await lock_conversation(tx, conversation_id)
                sender = SenderKind.VISITOR if n % 2 == 0 else SenderKind.AGENT
                await append_message(tx, conv, sender, text="x" * (n + 1), client_id=uuid.uuid4().hex)

    async def recorded(self) -> Counter[tuple[uuid.UUID, int]]:
        """How often each (conversation, seq) is in the log as message.created."""
        async with self.sessions() as session:
            rows = await session.execute(select(InteractionEvent.conversation_id, InteractionEvent.data)
                                         .where(InteractionEvent.type == "message.created").order_by(InteractionEvent.id))
            return Counter((conv, data["seq"]) for conv, data in rows)

    async def visitor_messages(self, conversation_id: uuid.UUID) -> int:
        async with self.sessions() as session:
            visitor_id = await session.scalar(select(Conversation.visitor_id).where(Conversation.id == conversation_id))
            state = await session.scalar(select(Profile.state).where(Profile.subject_id == visitor_id))
            return state["sum"].get("messages", 0) if state else 0

    async def cursors(self) -> dict[uuid.UUID, int]:
        async with self.sessions() as session:
            return dict((await session.execute(select(ConversationFold.conversation_id, ConversationFold.folded_seq))).all())

    async def close(self) -> None:
        await self.engine.dispose()


async def test_two_nodes_following_the_same_conversations_record_each_message_once(backend):
    one, two = Database(backend.database_url), Database(backend.database_url)
    try:
        convs = await one.chat(visitors=6, messages=5)
        counts = await asyncio.gather(one.follower.follow(convs), two.follower.follow(convs), one.follower.follow(convs[:3]))
        assert sum(counts) == 30
        recorded = await one.recorded()
        assert recorded == Counter({(c, seq): 1 for c in convs for seq in range(1, 6)})
        assert await one.cursors() == {c: 5 for c in convs}
        # Three of the five messages are the visitor's, counted once in their profile.
        assert [await one.visitor_messages(c) for c in convs] == [3] * 6
        assert await one.follower.lagging() == []
    finally:
        await one.close()
        await two.close()


async def test_messages_a_stopped_node_left_behind_are_found_by_the_sweep(backend):
    db = Database(backend.database_url)
    try:
        convs = await db.chat(visitors=3, messages=2)
        await db.follower.follow(convs)
        # Stored after the node followed, and the node stops before it follows them again.
        await db.say(convs[1], 3)
        assert await db.follower.lagging() == [convs[1]]
        assert await db.follower.follow(await db.follower.lagging()) == 3
        recorded = await db.recorded()
        assert sorted(seq for c, seq in recorded if c == convs[1]) == [1, 2, 3, 4, 5]
        assert set(recorded.values()) == {1}
        assert await db.visitor_messages(convs[1]) == 3  # seq 1, 3 and 5
        assert await db.follower.lagging() == []
    finally:
        await db.close()


async def test_a_backlog_bigger_than_a_batch_is_followed_in_order_over_several(backend):
    db = Database(backend.database_url)
    try:
        convs = await db.chat(visitors=2, messages=4)
        batches = []
        while True:
            async with db.transaction() as tx:
                count = await record_messages(tx, sorted(convs), limit=3)
            if not count:
                break
            batches.append(count)
        assert batches == [3, 3, 2]
        recorded = await db.recorded()
        assert recorded == Counter({(c, seq): 1 for c in convs for seq in range(1, 5)})
        # Each conversation's events are in the log in the order of its messages.
        seqs = {c: [seq for conv, seq in recorded if conv == c] for c in convs}
        assert all(s == [1, 2, 3, 4] for s in seqs.values())
        async with db.sessions() as session:
            events = await session.scalar(select(func.count()).select_from(InteractionEvent).where(InteractionEvent.type == "message.created"))
        assert events == 8
    finally:
        await db.close()


async def _start_after_first_sweep(follower: MessageFollower) -> None:
    """Start the follower and return once its first sweep (at start, over every conversation) is done, so
    that it cannot be what follows the messages stored next."""
    swept = asyncio.Event()
    lagging = follower.lagging

    async def noting(*args, **kwargs):
        try:
            return await lagging(*args, **kwargs)
        finally:
            swept.set()

    follower.lagging = noting
    follower.start()
    async with asyncio.timeout(10):
        await swept.wait()


async def test_a_running_node_brings_profiles_up_to_date_within_a_moment(backend):
    db = Database(backend.database_url)
    db.follower.start()
    try:
        convs = await db.chat(visitors=1, messages=3)
        assert await eventually(lambda: db.visitor_messages(convs[0]), lambda n: n == 2) == 2
    finally:
        await db.follower.close()
        await db.close()


async def test_a_node_stopping_follows_what_it_stored_last(backend):
    db = Database(backend.database_url, delay_s=3600)
    await _start_after_first_sweep(db.follower)
    try:
        convs = await db.chat(visitors=2, messages=2)
        assert await db.recorded() == Counter()
    finally:
        await db.follower.close()
    try:
        assert await db.recorded() == Counter({(c, seq): 1 for c in convs for seq in (1, 2)})
    finally:
        await db.close()


async def test_a_batch_of_messages_does_not_wait_for_the_follower_holding_its_conversations(pg_backend):
    # The follower's writes to its cursor rows check their conversations' keys (FOR KEY SHARE), in no
    # particular order; the message writer's row lock must not conflict with that, or the two deadlock.
    db = Database(pg_backend.database_url)
    try:
        ids = await db.chat(visitors=3, messages=2)
        async with db.transaction() as follower:
            assert await record_messages(follower, ids) == 6
            async with db.sessions() as writer:
                await writer.execute(text("SET LOCAL lock_timeout = '3s'"))
                locked = await driver.fetch(writer, message_writer._LOCK_PG, {"ids": sorted(ids)})
                assert sorted(row["id"] for row in locked) == sorted(ids)
                await writer.rollback()
    finally:
        await db.close()


async def test_a_sweep_after_the_first_looks_only_at_conversations_changed_since_shortly_before_the_last(backend):
    db = Database(backend.database_url)
    try:
        old, recent = await db.chat(visitors=2, messages=2)
        async with db.transaction() as tx:
            await tx.session.execute(update(Conversation).where(Conversation.id == old).values(updated_at=utcnow() - timedelta(hours=2)))
        # Both lag (nothing followed yet): the first sweep of a node finds both, a later one only the recent.
        assert sorted(await db.follower.lagging()) == sorted([old, recent])
        assert await db.follower.lagging(utcnow() - timedelta(minutes=1)) == [recent]
    finally:
        await db.close()
