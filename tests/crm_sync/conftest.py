"""Fixtures for CRM sync: the stand-in CRM on a free port, settings pointing at it."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from livechat.settings import Settings
from tests.fixtures import free_port
from tests.support.backends import REDIS_TEST_URL
from tests.support.crm_standin import StandInCRM, start_standin


@pytest.fixture
async def standin():
    crm = StandInCRM(token="test-token")
    port = free_port()
    runner = await start_standin(crm, port)
    crm.url = f"http://127.0.0.1:{port}"
    yield crm
    await runner.cleanup()


@pytest.fixture
async def crm_settings(pg_backend, standin, tmp_path):
    client = aioredis.from_url(REDIS_TEST_URL)
    await client.flushdb()
    await client.aclose()

    def make(**overrides) -> Settings:
        values = dict(database_url=pg_backend.database_url, redis_url=REDIS_TEST_URL, crm_hubspot_url=standin.url,
                      crm_hubspot_token="test-token", crm_settle_s=0, crm_batch_size=100, crm_queue="crm_sync_test",
                      crm_retry_base_s=0.05, data_dir=tmp_path / "data")
        values.update(overrides)
        return Settings(**values)

    return make
