"""Array statements on the hot path, run on the asyncpg connection under a session's transaction.

SQLAlchemy spends about 160 us of CPU on a text statement, asyncpg alone about 65 us. Every batch of
chat messages runs a handful of such statements (the messages, their sequence numbers, the interaction
events, the profile states), so on this path the difference is a large part of the server's CPU per
batch. PostgreSQL only. The SQL is written with :name parameters like SQLAlchemy's text(); errors are
asyncpg's own, and a connection that failed is invalidated, so the pool does not hand it out again.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

_PARAM = re.compile(r"(?<![:\w]):([a-z_]+)\b")
# What a connection that can no longer be used raises. InternalClientError: the server's notice that it
# closed the connection (an administrator's or an idle timeout's) came in, its end of file not yet, and the
# protocol waits for an answer that never comes ("another operation (2) is in progress").
_BROKEN = (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, asyncpg.InternalClientError, OSError)


@functools.cache
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as asyncpg's `$n`, and the names in their order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _PARAM.sub(number, sql), tuple(names)


async def fetch(session: AsyncSession, sql: str, params: Mapping[str, Any]) -> list[asyncpg.Record]:
    """Run `sql` in the session's transaction, straight on its asyncpg connection; the rows it returns."""
    positional, names = _positional(sql)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction():
        await _begin(connection, raw.dbapi_connection)
    try:
        return await driver.fetch(positional, *(params[name] for name in names))
    except _BROKEN:
        await connection.invalidate()
        raise


class HeldConnection:
    """A pooled connection kept checked out, for statements that each are a transaction of their own
    (committed when they return, nothing of them if they fail): one round trip each. A caller running many
    pays the pool's check-out and check-in (~120 us of CPU with SQLAlchemy's pool) once, not at each.
    A connection that fails is dropped (invalidated), and the next statement takes a new one; it is not
    pinged first, so after a database restart its first statement fails (ConnectionFailed)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[asyncpg.Record]:
        positional, names = _positional(sql)
        if self._driver is None:
            connection = await self._engine.connect()
            try:
                self._driver = (await connection.get_raw_connection()).driver_connection
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
        try:
            return await self._driver.fetch(positional, *(params[name] for name in names))
        except _BROKEN as exc:
            await self._drop(invalidate=True)
            raise ConnectionFailed(str(exc) or type(exc).__name__) from exc

    async def close(self) -> None:
        await self._drop(invalidate=False)

    async def _drop(self, *, invalidate: bool) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is None:
            return
        try:
            if invalidate:
                await connection.invalidate()
            await connection.close()
        except Exception:  # noqa: BLE001 - e.g. a statement cut short by a cancellation: the pool discards it
            log.warning("closing a held database connection failed", exc_info=True)


class ConnectionFailed(Exception):
    """A held connection failed during a statement: whether the statement committed is unknown."""


async def _begin(connection, adapted: Any) -> None:
    """Begin the session's transaction, which SQLAlchemy's asyncpg adapter begins with the first statement
    it runs itself: its own BEGIN, where the adapter allows (one round trip), else with a statement."""
    begin = getattr(adapted, "_start_transaction", None)
    mutex = getattr(adapted, "_execute_mutex", None)
    if begin is None or mutex is None or getattr(adapted, "_transaction", False) is not None:
        await connection.exec_driver_sql("SELECT 1")
        return
    async with mutex:
        await begin()
