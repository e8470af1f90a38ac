"""Group commit for chat messages: messages arriving together are stored in one transaction.

Under load most of a message's cost is the transaction around it (locks, the ORM's unit of work, the
commit), not the row itself. The writer takes every message waiting when the previous batch finished,
stores them in one transaction (each conversation locked once, sequence numbers given in arrival
order, retried client ids answered with the stored message), publishes their events after the commit,
and only then answers each caller; so every message is still committed before its ack. With one
message in flight a batch is one message, and nothing waits on a timer.

Conversations are spread over a few shards, each writing its own batches, so several transactions are
in flight at once while each conversation's messages still go through one shard, in order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_

from livechat.db.models import Conversation, Message, SenderKind
from livechat.messages import append_message
from livechat.services import Services
from livechat.transaction import Tx

log = logging.getLogger(__name__)

MAX_BATCH = 256
SHARDS = 4

# Checks a locked conversation before the message is added; raises to refuse this one message.
Check = Callable[[Conversation], None]
# Runs after the message was added, in the same transaction (e.g. read receipts, first-response time).
After = Callable[[Tx, Conversation, Message], None]


class NotOnFastPath(Exception):
    """The message needs the full operation (e.g. a closed conversation reopens); the caller falls back."""


@dataclass
class _Request:
    conversation_id: uuid.UUID
    sender_kind: SenderKind
    sender_id: str | None
    client_id: str
    text: str
    payload: dict[str, Any] | None
    check: Check
    after: After | None
    future: asyncio.Future[tuple[Message, bool]] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class _Shard:
    def __init__(self) -> None:
        self.queue: list[_Request] = []
        self.wake = asyncio.Event()


class MessageWriter:
    def __init__(self, services: Services, *, max_batch: int = MAX_BATCH, shards: int = SHARDS) -> None:
        self._services = services
        self._max_batch = max_batch
        self._shards = [_Shard() for _ in range(shards)]
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(shard), name=f"message-writer-{i}") for i, shard in enumerate(self._shards)]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for shard in self._shards:
            for request in shard.queue:
                if not request.future.done():
                    request.future.set_exception(ConnectionError("the server is shutting down"))

    async def append(
        self, conversation_id: uuid.UUID, sender_kind: SenderKind, *, text: str, client_id: str, sender_id: str | None,
        check: Check, payload: dict[str, Any] | None = None, after: After | None = None,
    ) -> tuple[Message, bool]:
        """Store a message once (a retried client_id returns the stored one); (message, created)."""
        request = _Request(conversation_id, sender_kind, sender_id, client_id, text, payload, check, after)
        shard = self._shards[conversation_id.int % len(self._shards)]
        shard.queue.append(request)
        shard.wake.set()
        return await request.future

    async def _run(self, shard: _Shard) -> None:
        while True:
            await shard.wake.wait()
            shard.wake.clear()
            while shard.queue:
                batch, shard.queue = shard.queue[: self._max_batch], shard.queue[self._max_batch:]
                try:
                    await self._write(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - every caller gets the failure; clients retry with their client_id
                    log.exception("storing a batch of %d messages failed", len(batch))
                    for request in batch:
                        if not request.future.done():
                            request.future.set_exception(exc)

    async def _write(self, batch: list[_Request]) -> None:
        outcomes: dict[int, tuple[Message, bool] | BaseException] = {}
        async with self._services.transaction() as tx:
            ids = sorted({r.conversation_id for r in batch})
            # Locked in id order, so two nodes' batches cannot deadlock each other.
            convs = {c.id: c for c in await tx.session.scalars(
                select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.id)
                .with_for_update().execution_options(populate_existing=True)
            )}
            stored = {(m.conversation_id, m.client_id): m for m in await tx.session.scalars(
                select(Message).where(tuple_(Message.conversation_id, Message.client_id).in_([(r.conversation_id, r.client_id) for r in batch]))
            )}
            for i, request in enumerate(batch):
                key = (request.conversation_id, request.client_id)
                if key in stored:
                    outcomes[i] = (stored[key], False)
                    continue
                conv = convs.get(request.conversation_id)
                try:
                    if conv is None:
                        raise NotOnFastPath("unknown conversation")
                    request.check(conv)
                except Exception as exc:  # noqa: BLE001 - refuses this message only, not the batch
                    outcomes[i] = exc
                    continue
                message = await append_message(
                    tx, conv, request.sender_kind, text=request.text, payload=request.payload,
                    sender_id=request.sender_id, client_id=request.client_id, flush=False,
                )
                if request.after is not None:
                    request.after(tx, conv, message)
                stored[key] = message
                outcomes[i] = (message, True)
            await tx.session.flush()
        for i, request in enumerate(batch):
            outcome = outcomes[i]
            if isinstance(outcome, BaseException):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)
