"""Group commit for chat messages: messages arriving together are stored in one transaction.

Under load most of a message's cost is the transaction around it (locks, the ORM's unit of work, the
commit), not the row itself. The writer takes every message waiting when the previous batch finished,
stores them in one transaction (each conversation locked once, sequence numbers given in arrival
order, retried client ids answered with the stored message), publishes their events after the commit,
and only then answers each caller; so every message is still committed before its ack. With one
message in flight a batch is one message, and nothing waits on a timer.

Conversations are spread over a few shards, each writing its own batches, so several transactions are
in flight at once while each conversation's messages still go through one shard, in order.

On PostgreSQL a batch is plain rows (livechat.message_rows) and a few array statements: the locked
conversations read through the driver, the messages and the conversations' new columns written in one
statement. The ORM's identity map and unit of work cost more per message than the database's own work.
SQLite, the embedded default, keeps the ORM path.

On PostgreSQL the writer also remembers each conversation as it last wrote it, with the row's version
(xmin). A batch whose conversations it all remembers is checked and staged against those rows and
written by one statement committed on its own, which writes a conversation (and its messages) only if
its row is still that version: one round trip instead of four (BEGIN, lock, write, COMMIT), on a
connection each shard keeps checked out (the pool's check-out and check-in cost more CPU than the
statement's own round trip; if that connection fails, the batch is written under the lock). Anything
else that changed the conversation meanwhile (a handoff, a close, another node's message) changed its
version; its messages then go through the locked transaction, as does a batch that would do more than
store its messages (a message refused, a language change to record, a client's resend).

What waits is bounded (LIVECHAT_WRITER_MAX_WAITING, queued and in a batch being written together): when
the database is slower than arrivals, a message past the bound is refused at once with `busy`, never
stored, and the client sends it again with its client_id later. Messages already taken are never dropped,
and a client resending one of them (its ack timed out) waits for the same answer without taking more room.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from livechat.db import driver
from livechat.db.models import Conversation, Message, SenderKind
from livechat.errors import Forbidden, LivechatError
from livechat.message_rows import ConversationRow, MessageRow
from livechat.messages import (
    ClientIdTaken,
    stage_message,
    stage_row,
    store_known_rows,
    store_messages,
    store_rows,
    stored_by_client_id,
)
from livechat.services import Services
from livechat.transaction import Tx

log = logging.getLogger(__name__)

MAX_BATCH = 256
SHARDS = 2
MAX_KNOWN = 10_000  # conversations remembered as last written (the oldest are forgotten first)
BUSY_RETRY_AFTER_S = 1

# Checks a locked conversation before the message is added; raises to refuse this one message. The
# conversation is a Conversation, or on PostgreSQL a ConversationRow with the same attributes.
Check = Callable[[Conversation], None]
# Runs after the message was added, in the same transaction (e.g. read receipts, first-response time).
# What it may change in the conversation: see livechat.messages.store_rows.
After = Callable[[Tx, Conversation, Message], None]
Outcome = tuple[Message | MessageRow, bool] | BaseException
# FOR NO KEY UPDATE, the strength an UPDATE of non-key columns takes: writers still queue for the row, but a
# foreign key check on it does not wait for a batch, nor a batch for it. With FOR UPDATE a batch and the message
# follower deadlocked: updating a cursor row it had written in the same transaction, the follower checks its
# conversation's key (FOR KEY SHARE), in no particular order.
_LOCK_PG = "SELECT * FROM conversations WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id FOR NO KEY UPDATE"


class NotOnFastPath(Exception):
    """The message needs the full operation (e.g. a closed conversation reopens); the caller falls back."""


class WriterBusy(LivechatError):
    """More messages wait to be stored on this node than its bound: the database is slower than arrivals."""

    code = "busy"
    status = 503


@dataclass(eq=False)  # hashed by identity: a request is one caller's message, two equal ones are still two
class _Request:
    conversation_id: uuid.UUID
    sender_kind: SenderKind
    sender_id: str | None
    client_id: str
    text: str
    payload: dict[str, Any] | None
    check: Check
    after: After | None
    origin_sid: str | None
    ready: asyncio.Future[Any] | None
    # One future per caller waiting for the answer (the sender, and any resend of it that joined): a caller
    # cancelled while waiting cancels only its own, never the answer the others wait for.
    waiters: list[asyncio.Future[tuple[Message | MessageRow, bool]]] = field(default_factory=list)
    answered: bool = False

    def wait(self) -> asyncio.Future[tuple[Message | MessageRow, bool]]:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return waiter


class _Shard:
    def __init__(self, connection: driver.HeldConnection) -> None:
        self.queue: list[_Request] = []
        self.wake = asyncio.Event()
        self.connection = connection  # PostgreSQL: for the batches written as one statement


class MessageWriter:
    def __init__(
        self, services: Services, *, max_batch: int = MAX_BATCH, shards: int = SHARDS, max_waiting: int | None = None,
    ) -> None:
        self._services = services
        self._max_batch = max_batch
        self._max_waiting = services.settings.writer_max_waiting if max_waiting is None else max_waiting
        self._shards = [_Shard(driver.HeldConnection(services.engine)) for _ in range(shards)]
        self._tasks: list[asyncio.Task[None]] = []
        # Every request taken and not yet answered, queued or in a batch being written: what the bound counts.
        self._waiting: set[_Request] = set()
        # The same, by (conversation, client id), so a resent message joins its first send.
        self._by_client_id: dict[tuple[uuid.UUID, str], _Request] = {}
        self._refused = 0  # since the bound was last reached; logged once when it is and once when it clears
        # PostgreSQL: each conversation as this node last wrote it, with its row version (see the module's docstring).
        self._known: dict[uuid.UUID, ConversationRow] = {}
        self._postgres = services.engine.dialect.name == "postgresql"

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(shard), name=f"message-writer-{i}") for i, shard in enumerate(self._shards)]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for shard in self._shards:
            await shard.connection.close()
        # Queued and in-flight alike: a batch cut short by the cancellation must not leave its callers waiting.
        for request in list(self._waiting):
            self._answer(request, ConnectionError("the server is shutting down"))

    async def append(
        self, conversation_id: uuid.UUID, sender_kind: SenderKind, *, text: str, client_id: str, sender_id: str | None,
        check: Check, payload: dict[str, Any] | None = None, after: After | None = None, origin_sid: str | None = None,
        ready: asyncio.Future[Any] | None = None,
    ) -> tuple[Message | MessageRow, bool]:
        """Store a message once (a retried client_id returns the stored one); (message, created).

        origin_sid: the sending socket, which learns of the message from its ack and is skipped when it is announced.
        ready: a future (that never fails) the message's batch waits for before it is written, e.g. the language guess
        its `after` reads: worked out while the message waits for the batch before it (and, on PostgreSQL, while its
        own batch begins and locks its conversations), not before it joins the queue.

        Raises WriterBusy, at once, when the node already has its bound of messages waiting to be stored.
        """
        key = (conversation_id, client_id)
        earlier = self._by_client_id.get(key)
        if earlier is not None and (earlier.sender_kind, earlier.sender_id) == (sender_kind, sender_id):
            # The client resent a message still waiting (its ack timed out): same answer, no more room taken.
            return await earlier.wait()
        if len(self._waiting) >= self._max_waiting:
            if self._refused == 0:
                log.warning("%d messages wait to be stored; refusing new ones until the database catches up", len(self._waiting))
            self._refused += 1
            raise WriterBusy(
                f"Too many messages are waiting to be stored; try again in {BUSY_RETRY_AFTER_S} s.", retry_after_s=BUSY_RETRY_AFTER_S,
            )
        request = _Request(conversation_id, sender_kind, sender_id, client_id, text, payload, check, after, origin_sid, ready)
        self._waiting.add(request)
        self._by_client_id.setdefault(key, request)
        shard = self._shards[conversation_id.int % len(self._shards)]
        shard.queue.append(request)
        shard.wake.set()
        return await request.wait()

    def _answer(self, request: _Request, outcome: Outcome) -> None:
        """Give every caller waiting for the request its outcome (once), and free its room."""
        if request.answered:
            return
        request.answered = True
        for waiter in request.waiters:
            if waiter.done():
                continue  # its caller was cancelled
            if isinstance(outcome, BaseException):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)
        self._waiting.discard(request)
        key = (request.conversation_id, request.client_id)
        if self._by_client_id.get(key) is request:
            del self._by_client_id[key]
        # Down to half the bound, not just below it, so a full writer does not log at every message.
        if self._refused and len(self._waiting) <= self._max_waiting // 2:
            log.info("storing messages caught up; %d were refused as busy meanwhile", self._refused)
            self._refused = 0

    async def _run(self, shard: _Shard) -> None:
        while True:
            await shard.wake.wait()
            shard.wake.clear()
            while shard.queue:
                batch, shard.queue = shard.queue[: self._max_batch], shard.queue[self._max_batch:]
                try:
                    await self._write(batch, shard)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - every caller gets the failure; clients retry with their client_id
                    log.exception("storing a batch of %d messages failed", len(batch))
                    for request in batch:
                        self._answer(request, exc)

    async def _write(self, batch: list[_Request], shard: _Shard) -> None:
        look_for_retries = False
        if self._postgres and all(r.conversation_id in self._known for r in batch):
            try:
                batch = await self._store_known(batch, shard.connection)  # what is left for the locked transaction
            except ClientIdTaken:
                look_for_retries = True  # it stored nothing; the locked transaction answers the resend
            except driver.ConnectionFailed as exc:
                # Stored or not, unknown: the locked transaction (a pooled connection, pinged if it sat idle)
                # writes the batch again, answering whatever was stored from its client ids.
                log.warning("writing a batch of %d messages failed (%s); writing it under the lock", len(batch), exc)
                self._known.clear()
                look_for_retries = True
            if not batch:
                return
        try:
            outcomes = await self._store(batch, look_for_retries=look_for_retries)
        except ClientIdTaken:
            # A client resent a message whose ack it lost: the batch again, answering retries from what is stored.
            outcomes = await self._store(batch, look_for_retries=True)
        for request, outcome in zip(batch, outcomes, strict=True):
            self._answer(request, outcome)

    async def _store_known(self, batch: list[_Request], connection: driver.HeldConnection) -> list[_Request]:
        """Write the batch in one statement against the conversations as this writer last wrote them (see
        the module's docstring), answering the messages it stored; the requests left for the locked path."""
        await _ready(batch)
        convs = {c: self._known[c].copy() for c in {r.conversation_id for r in batch}}
        tx = Tx(session=None)  # staging only emits events: nothing here goes through a session
        outcomes, staged = await self._apply(tx, batch, convs, stage_row, look_for_retries=False)
        if tx.recorded or len(staged) < len(batch):
            return batch  # more than storing messages: the locked transaction does it
        written = await store_known_rows(connection, [convs[c] for c in sorted(convs)], staged)
        for conversation_id in convs:
            if conversation_id in written:
                self._remember(convs[conversation_id])
            else:
                self._known.pop(conversation_id, None)  # changed meanwhile: read again under the lock
        await self._services.bus.publish([e for e in tx.events if e.data["conversation"].id in written])
        left = []
        for request, outcome in zip(batch, outcomes, strict=True):
            if request.conversation_id in written:
                self._answer(request, outcome)
            else:
                left.append(request)
        return left

    def _remember(self, conv: ConversationRow) -> None:
        self._known.pop(conv.id, None)  # to the end: the most recently written are kept longest
        if conv.version is None:
            return
        self._known[conv.id] = conv
        if len(self._known) > MAX_KNOWN:
            del self._known[next(iter(self._known))]

    async def _store(self, batch: list[_Request], *, look_for_retries: bool) -> list[Outcome]:
        async with self._services.transaction() as tx:
            if tx.session.bind.dialect.name == "postgresql":
                return await self._stage_rows(tx, batch, look_for_retries=look_for_retries)
            return await self._stage_orm(tx, batch)

    async def _stage_rows(self, tx: Tx, batch: list[_Request], *, look_for_retries: bool) -> list[Outcome]:
        """PostgreSQL: plain rows and array statements, no ORM objects (livechat.message_rows).

        Without look_for_retries the batch does not read which client ids are stored already (a lost ack's
        resend is rare; the statement storing the messages notices one, and the batch is written again)."""
        ids = sorted({r.conversation_id for r in batch})
        # Locked in id order, so two nodes' batches cannot deadlock each other.
        convs = {r["id"]: ConversationRow(r) for r in await driver.fetch(tx.session, _LOCK_PG, {"ids": ids})}
        # Only now wait for what the messages wait for (their language guesses): it came in, or came closer,
        # while the transaction began and locked.
        await _ready(batch)
        outcomes, staged = await self._apply(tx, batch, convs, stage_row, look_for_retries=look_for_retries)
        touched = {m.conversation_id for m in staged}
        written = [convs[c] for c in ids if c in touched]
        await store_rows(tx, written, staged)
        # Remembered before the commit: if it fails, the row keeps its old version and the next batch finds
        # these stale, and takes the lock. (Remembered rows are never changed in place: a batch stages on copies.)
        for conv in written:
            self._remember(conv)
        return outcomes

    async def _stage_orm(self, tx: Tx, batch: list[_Request]) -> list[Outcome]:
        await _ready(batch)  # before the lock: SQLite's is the whole database's
        ids = sorted({r.conversation_id for r in batch})
        convs = {c.id: c for c in await tx.session.scalars(
            select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.id)
            .with_for_update().execution_options(populate_existing=True)
        )}
        outcomes, staged = await self._apply(tx, batch, convs, stage_message)
        await store_messages(tx, staged)
        return outcomes

    @staticmethod
    async def _apply(
        tx: Tx, batch: list[_Request], convs: dict[uuid.UUID, Any], stage, *, look_for_retries: bool = True,
    ) -> tuple[list[Outcome], list[Any]]:
        """Each request's outcome against its locked conversation, and the messages staged to store."""
        outcomes: list[Outcome] = []
        staged: list[Any] = []
        stored = {}
        if look_for_retries:
            keys = [(r.conversation_id, r.client_id) for r in batch]
            stored = {(m.conversation_id, m.client_id): m for m in await stored_by_client_id(tx, keys)}
        for request in batch:
            key = (request.conversation_id, request.client_id)
            if key in stored:
                # Only to its own sender: a client id is no secret to be traded for another's message.
                mine = (stored[key].sender_kind, stored[key].sender_id) == (request.sender_kind, request.sender_id)
                outcomes.append((stored[key], False) if mine else Forbidden("That message id belongs to someone else."))
                continue
            conv = convs.get(request.conversation_id)
            try:
                if conv is None:
                    raise NotOnFastPath("unknown conversation")
                request.check(conv)
            except Exception as exc:  # noqa: BLE001 - refuses this message only, not the batch
                outcomes.append(exc)
                continue
            message = stage(
                tx, conv, request.sender_kind, text=request.text, payload=request.payload,
                sender_id=request.sender_id, client_id=request.client_id, origin_sid=request.origin_sid,
            )
            if request.after is not None:
                request.after(tx, conv, message)
            stored[key] = message
            outcomes.append((message, True))
            staged.append(message)
        return outcomes, staged


async def _ready(batch: list[_Request]) -> None:
    """Wait for what the batch's messages wait for (futures that never fail)."""
    unsettled = [r.ready for r in batch if r.ready is not None and not r.ready.done()]
    if unsettled:
        await asyncio.wait(unsettled)
