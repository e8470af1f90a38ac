"""A real arq worker process syncing to a slow CRM is killed (SIGKILL) mid-run and started again: the
CRM ends up with every customer exactly once (one create each, no gaps), and the cursor counts each
record once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crm_sync import status
from crm_sync.jobs import enqueue, pool
from livechat.db.crm_models import CrmCursor
from livechat.db.engine import create_engine, create_session_factory
from tests.support.crm_data import make_customers

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 1000
BATCH = 50
CALLS = 2


def start_worker(settings, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIVECHAT_DATABASE_URL": settings.database_url, "LIVECHAT_REDIS_URL": settings.redis_url,
           "LIVECHAT_CRM_QUEUE": settings.crm_queue, "LIVECHAT_CRM_HUBSPOT_URL": settings.crm_hubspot_url,
           "LIVECHAT_CRM_HUBSPOT_TOKEN": "test-token", "LIVECHAT_CRM_BATCH_SIZE": str(BATCH), "LIVECHAT_CRM_CALLS_IN_FLIGHT": str(CALLS),
           "LIVECHAT_CRM_SETTLE_S": "0",
           # A short job timeout: arq hands the killed worker's job to the next worker once it has expired.
           "LIVECHAT_CRM_JOB_TIMEOUT_S": "8"}
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "crm_sync.cli", "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def _wait_for(condition, what: str, timeout_s: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_killed_worker_resumes_and_every_record_arrives_exactly_once(crm_settings, standin, pg_backend, tmp_path):
    settings = crm_settings(crm_batch_size=BATCH)
    customers = await make_customers(pg_backend.database_url, CUSTOMERS)
    standin.delay_s = 0.1  # a slow CRM, so the kill lands mid-run
    redis = await pool(settings)
    log_path = tmp_path / "worker.log"
    first = start_worker(settings, log_path)
    second = None
    try:
        assert await enqueue(redis, settings, "hubspot")

        async def some_arrived() -> bool:
            assert first.poll() is None, log_path.read_text()
            return len(standin.objects["contacts"]) >= 5 * BATCH

        await _wait_for(some_arrived, "the first batches")
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = len(standin.objects["contacts"])
        assert 0 < at_kill < CUSTOMERS, "the worker was not killed mid-run"

        second = start_worker(settings, log_path)

        async def finished() -> bool:
            assert second.poll() is None, log_path.read_text()
            last = (await status.all_status(redis, settings.crm_queue)).get("hubspot", {})
            return last.get("state") == "done"

        await _wait_for(finished, "the restarted worker to finish the sync")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        await redis.aclose()

    expected = {str(c) for c in customers.values()}
    assert set(standin.objects["contacts"]) == expected  # no gaps, nothing extra
    created = {key: n for (kind, key), n in standin.created.items() if kind == "contacts"}
    assert set(created) == expected and set(created.values()) == {1}  # every one created exactly once
    # The step in flight at the kill may be sent again (as updates): at most that one step's calls.
    replayed = sum(n for (kind, _), n in standin.updated.items() if kind == "contacts")
    assert replayed <= BATCH * CALLS, replayed
    # The resumed job was arq's own retry of the killed one.
    assert "try=2" in log_path.read_text()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            cursor = await session.scalar(select(CrmCursor).where(CrmCursor.connector == "hubspot", CrmCursor.stream == "contacts"))
    finally:
        await engine.dispose()
    assert cursor.records == CUSTOMERS
    print(f"killed after {at_kill} contacts; {replayed} sent again as updates after the restart")
