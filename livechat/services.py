"""The long-lived objects a running server shares, built once by the app factory."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import socketio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from livechat.metrics import Metrics
from livechat.settings import Settings
from livechat.transaction import EventBus, Tx, transaction


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    sio: socketio.AsyncServer
    metrics: Metrics = field(default_factory=Metrics)

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        return transaction(self.sessions, self.bus)
