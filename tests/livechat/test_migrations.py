"""Alembic's schema is the models' schema, on SQLite and on PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from livechat.db.engine import create_engine
from livechat.db.models import Base
from tests.support.backends import migrate


async def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    finally:
        await engine.dispose()


async def test_sqlite_schema_matches_models(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await migrate(url)
    assert await _diff(url) == []


@pytest.mark.postgres
async def test_postgres_schema_matches_models(pg_url):
    assert await _diff(pg_url) == []
