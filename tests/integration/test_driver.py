"""Statements run straight on asyncpg (livechat.db.driver) belong to the session's transaction, which
they begin themselves: rolled back with it, committed with it, no statement of SQLAlchemy's before them."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import event, text

from livechat.db import driver
from livechat.db.engine import create_engine, create_session_factory


async def test_driver_statements_begin_and_end_with_the_sessions_transaction(pg_backend):
    engine = create_engine(pg_backend.database_url)
    try:
        async with engine.begin() as connection:
            # Dropped at the end: the schema test compares this database with the models.
            await connection.execute(text("CREATE TABLE driver_probe (n integer NOT NULL)"))
        through_sqlalchemy: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: through_sqlalchemy.append(statement))
        sessions = create_session_factory(engine)

        async with sessions() as session:
            rows = await driver.fetch(session, "INSERT INTO driver_probe (n) VALUES (:n) RETURNING n", {"n": 1})
            assert [r["n"] for r in rows] == [1]
            await session.rollback()
        async with sessions() as session:
            await driver.fetch(session, "INSERT INTO driver_probe (n) VALUES (:n) RETURNING n", {"n": 2})
            await driver.fetch(session, "INSERT INTO driver_probe (n) SELECT n + 1 FROM driver_probe RETURNING n", {})
            await session.commit()
        # The transaction was begun by SQLAlchemy's adapter itself (one BEGIN), not by a statement of ours.
        assert through_sqlalchemy == []

        async with sessions() as session:
            assert list(await session.scalars(text("SELECT n FROM driver_probe ORDER BY n"))) == [2, 3]
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS driver_probe"))
        await engine.dispose()


async def test_a_held_connection_the_server_dropped_fails_once_and_the_next_statement_gets_a_new_one(pg_backend, monkeypatch):
    engine = create_engine(pg_backend.database_url)
    held = driver.HeldConnection(engine)
    try:
        first_pid = (await held.fetch("SELECT pg_backend_pid() AS pid", {}))[0]["pid"]
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        with pytest.raises(driver.ConnectionFailed):
            await held.fetch("SELECT pg_backend_pid() AS pid", {})
        second_pid = (await held.fetch("SELECT pg_backend_pid() AS pid", {}))[0]["pid"]
        assert second_pid != first_pid

        # Had the server's notice that it closed the connection come in before its end of file, asyncpg
        # refuses the statement with an InternalClientError (seen in CI): the same failure.
        connection = held._driver

        async def refuse(*_args, **_kwargs):
            raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

        monkeypatch.setattr(type(connection), "fetch", refuse)
        with pytest.raises(driver.ConnectionFailed):
            await held.fetch("SELECT pg_backend_pid() AS pid", {})
        assert held._driver is None  # dropped: not handed out again
        monkeypatch.undo()
        assert (await held.fetch("SELECT 1 AS one", {}))[0]["one"] == 1
    finally:
        await held.close()
        await engine.dispose()
