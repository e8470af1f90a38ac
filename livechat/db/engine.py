"""The async engine and session factory, tuned per database."""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_S = 2.0


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=pool_size)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Pre-ping only connections that sat idle in the pool: asyncpg's ping costs three round trips
    (begin, ping, rollback), too much for every checkout on a busy server, and a connection that was in
    use a moment ago is alive. A busy connection broken by a database restart fails its statement,
    and the engine then replaces every pooled connection made before the failure."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE_S:
            try:
                dbapi_connection.ping()
            except Exception as exc:  # noqa: BLE001 - any failure: the pool retries with a new connection
                raise DisconnectionError("pooled connection failed its ping") from exc


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take over transaction control from the driver: its deferred BEGIN lets two writers
        # both read, then one fails to upgrade its lock with SQLITE_BUSY instead of waiting.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        # IMMEDIATE takes the write lock up front, so concurrent writers queue on busy_timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
