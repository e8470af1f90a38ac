"""Statements run straight on asyncpg (livechat.db.driver) belong to the session's transaction, which
they begin themselves: rolled back with it, committed with it, no statement of SQLAlchemy's before them.
A held connection the server dropped fails once; the writer's one-statement batch stores what it is given."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import asyncpg
import pytest
from sqlalchemy import event, text

from livechat.db import driver
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import SenderKind
from livechat.message_rows import ConversationRow, MessageRow
from livechat.messages import store_known_rows


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


async def test_the_one_statement_batch_stores_what_json_cannot_carry_natively(pg_backend):
    # The batch goes to PostgreSQL as JSON text: times keep their microseconds and offset (a naive time is
    # UTC), and a payload orjson refuses (an integer past 64 bits) still goes, through the json module.
    engine = create_engine(pg_backend.database_url)
    held = driver.HeldConnection(engine)
    try:
        visitor_id, conversation_id = uuid.uuid4(), uuid.uuid4()
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO visitors (id, language, created_at, last_seen_at, consent_tracking, consent_identification, "
                "identity_verified) VALUES (:v, 'en', now(), now(), false, false, false)"), {"v": visitor_id})
            await connection.execute(text(
                "INSERT INTO conversations (id, visitor_id, state, state_version, language, agent_involved, visitor_read_seq, "
                "agent_read_seq, last_seq, created_at, updated_at) VALUES (:c, :v, 'assigned', 1, 'en', true, 0, 0, 0, now(), now())"),
                {"c": conversation_id, "v": visitor_id})
        record = (await held.fetch("SELECT *, CAST(CAST(xmin AS text) AS bigint) AS version FROM conversations WHERE id = :id",
                                   {"id": conversation_id}))[0]
        conv = ConversationRow(record)
        conv.version = record["version"]
        aware = datetime(2026, 12, 7, 5, 30, 1, 123456, tzinfo=timezone.utc)
        naive = datetime(2026, 12, 7, 5, 30, 2, 654321)
        conv.last_seq, conv.updated_at, conv.language = 2, aware, "pl"
        messages = [
            MessageRow(conversation_id, 1, SenderKind.AGENT, "a", "c1", "cześć", {"n": 2**70, "nested": ["ü", None]}, aware),
            MessageRow(conversation_id, 2, SenderKind.VISITOR, None, "c2", "dzięki", None, naive),
        ]
        assert await store_known_rows(held, [conv], messages) == {conversation_id}
        assert all(m.id is not None for m in messages)

        async with engine.connect() as connection:
            stored = (await connection.execute(text(
                "SELECT seq, text, payload, created_at FROM messages WHERE conversation_id = :c ORDER BY seq"),
                {"c": conversation_id})).all()
            row = (await connection.execute(text("SELECT last_seq, language, updated_at FROM conversations WHERE id = :c"),
                                            {"c": conversation_id})).one()
        assert [(s.seq, s.text, s.payload) for s in stored] == [
            (1, "cześć", {"n": 2**70, "nested": ["ü", None]}), (2, "dzięki", None)]
        assert [s.created_at for s in stored] == [aware, naive.replace(tzinfo=timezone.utc)]
        assert (row.last_seq, row.language, row.updated_at) == (2, "pl", aware)
    finally:
        await held.close()
        await engine.dispose()
