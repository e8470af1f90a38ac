"""Group commit for interaction events that arrive on their own (page views, cart activity, orders).

A transaction's cost is mostly its round trips and commit, not its rows: the ingestor takes every
event waiting when the previous batch finished and stores them in one transaction, folded into their
profiles before the commit, then answers each caller. Every event is committed before its caller
returns; with one event in flight a batch is one event, and nothing waits on a timer. Events are spread
over a few shards by visitor (or customer), each writing its own batches, so one batch's Python work
overlaps another's round trips to the database.

Events whose `gate` is "tracking" are stored only if their visitor may be tracked at that moment (the
consent rules of livechat.visitor_privacy, read in the batch's own transaction, so a withdrawal that
committed first stops them) and touch the visitor's last-seen time.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select, update

from livechat.db.models import Visitor
from livechat.db.sql import any_of
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.transaction import Tx

log = logging.getLogger(__name__)

MAX_BATCH = 2_000
SHARDS = 3
Gate = Literal["tracking"] | None
# Whether a visitor may be tracked (livechat.visitor_privacy.may_track with the server's settings).
MayTrack = Callable[[Visitor], bool]


@dataclass
class _Request:
    type: str
    visitor_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    data: dict[str, Any]
    gate: Gate
    future: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class _Shard:
    def __init__(self) -> None:
        self.queue: list[_Request] = []
        self.wake = asyncio.Event()


class EventIngestor:
    def __init__(self, transaction: Callable[[], AbstractAsyncContextManager[Tx]], may_track: MayTrack, *,
                 max_batch: int = MAX_BATCH, shards: int = SHARDS) -> None:
        self._transaction = transaction
        self._may_track = may_track
        self._max_batch = max_batch
        self._shards = [_Shard() for _ in range(shards)]
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(shard), name=f"event-ingestor-{i}") for i, shard in enumerate(self._shards)]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for shard in self._shards:
            for request in shard.queue:
                if not request.future.done():
                    request.future.set_exception(ConnectionError("the server is shutting down"))
            shard.queue.clear()

    async def record(self, type_: str, *, visitor_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None,
                     conversation_id: uuid.UUID | None = None, data: dict[str, Any] | None = None, gate: Gate = None) -> bool:
        """Store one event, folded into its profile; False if its gate kept it out (nothing stored)."""
        if not self._tasks or any(task.done() for task in self._tasks):
            raise ConnectionError("the event ingestor is not running")
        request = _Request(type_, visitor_id, customer_id, conversation_id, data or {}, gate)
        key = visitor_id or customer_id
        shard = self._shards[key.int % len(self._shards) if key else 0]
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
                    outcomes = await self._write(batch)
                except asyncio.CancelledError:
                    for request in batch:
                        if not request.future.done():
                            request.future.set_exception(ConnectionError("the server is shutting down"))
                    raise
                except Exception as exc:  # noqa: BLE001 - every caller of the batch gets the failure
                    log.exception("storing a batch of %d events failed", len(batch))
                    for request in batch:
                        if not request.future.done():
                            request.future.set_exception(exc)
                    continue
                for request, stored in zip(batch, outcomes, strict=True):
                    if not request.future.done():
                        request.future.set_result(stored)

    async def _write(self, batch: list[_Request]) -> list[bool]:
        async with self._transaction() as tx:
            gated = sorted({r.visitor_id for r in batch if r.gate == "tracking" and r.visitor_id is not None})
            visitors: dict[uuid.UUID, Any] = {}
            if gated:
                # The columns the consent rules and the subject need, as committed now (may_track reads rows too).
                visitors = {v.id: v for v in await tx.session.execute(
                    select(Visitor.id, Visitor.customer_id, Visitor.consent_tracking).where(any_of(tx.session, Visitor.id, gated)))}
            outcomes: list[bool] = []
            touched: set[uuid.UUID] = set()
            for request in batch:
                customer_id = request.customer_id
                if request.gate == "tracking":
                    visitor = visitors.get(request.visitor_id) if request.visitor_id else None
                    if visitor is None or not self._may_track(visitor):
                        outcomes.append(False)
                        continue
                    customer_id = customer_id or visitor.customer_id
                    touched.add(visitor.id)
                record(tx, request.type, visitor_id=request.visitor_id, customer_id=customer_id,
                       conversation_id=request.conversation_id, data=request.data)
                outcomes.append(True)
            if touched:
                await tx.session.execute(
                    update(Visitor).where(any_of(tx.session, Visitor.id, sorted(touched))).values(last_seen_at=utcnow())
                    .execution_options(synchronize_session=False))
        return outcomes
