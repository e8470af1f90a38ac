"""A unit of work whose domain events are published only after it committed (emit after commit)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

Listener = Callable[["DomainEvent"], Awaitable[None]]


@dataclass(frozen=True)
class DomainEvent:
    name: str
    data: dict[str, Any]


class EventBus:
    """Named events, single-purpose listeners: a new side effect is a new listener."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        # Around the publishing of one transaction's events, e.g. so that their emits go to the other
        # nodes in one message (livechat.realtime.emitting.RedisInlineEmit.together).
        self.around: Callable[[], AbstractAsyncContextManager[Any]] = nullcontext

    def subscribe(self, name: str, listener: Listener) -> None:
        self._listeners.setdefault(name, []).append(listener)

    async def publish(self, events: list[DomainEvent]) -> None:
        if not events:
            return
        async with self.around():
            for event in events:
                for listener in self._listeners.get(event.name, ()):
                    try:
                        await listener(event)
                    except Exception:  # noqa: BLE001 - one failing side effect must not stop the others
                        log.exception("listener %s failed on %s", getattr(listener, "__qualname__", listener), event.name)


@dataclass
class Tx:
    session: AsyncSession
    events: list[DomainEvent] = field(default_factory=list)
    deferred_error: Exception | None = None
    # Interaction events recorded in this transaction; stored and folded into profiles just before commit.
    recorded: list[Any] = field(default_factory=list)

    def emit(self, name: str, **data: Any) -> None:
        self.events.append(DomainEvent(name, data))

    def defer_error(self, error: Exception) -> None:
        """Fail the operation after its changes are committed (e.g. a revocation that must stick)."""
        self.deferred_error = error


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession], bus: EventBus) -> AsyncIterator[Tx]:
    """Open a transaction; commit at the end of the block, then publish what it emitted."""
    async with sessions() as session:
        async with session.begin():
            tx = Tx(session)
            yield tx
            if tx.recorded:
                from livechat.profile_store import store_recorded  # the store imports this module

                await store_recorded(tx)
    await bus.publish(tx.events)
    if tx.deferred_error is not None:
        raise tx.deferred_error
