"""Statements run straight on asyncpg (livechat.db.driver) belong to the session's transaction, which
they begin themselves: rolled back with it, committed with it, no statement of SQLAlchemy's before them."""

from __future__ import annotations

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
