"""Sync jobs on arq: deduplicated by idempotency key, retried with exponential backoff, dead-lettered
when the CRM keeps failing, and replayed from the dead-letter list with the `crm-sync` command."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from crm_sync import dead_letters, status
from crm_sync.jobs import backoff_s, enqueue, pool, worker
from livechat.settings import Settings
from tests.support.crm_data import make_customers


def test_backoff_doubles_up_to_five_minutes():
    settings = Settings(crm_retry_base_s=2.0)
    assert [backoff_s(settings, n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_s(settings, 20) == 300.0


async def _burst(settings: Settings) -> None:
    """Run a real arq worker until the queue is empty (deferred retries included)."""
    w = worker(settings, burst=True, handle_signals=False)
    try:
        await w.main()
    finally:
        await w.close()


async def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {**os.environ, "LIVECHAT_DATABASE_URL": settings.database_url, "LIVECHAT_REDIS_URL": settings.redis_url,
           "LIVECHAT_CRM_QUEUE": settings.crm_queue, "LIVECHAT_CRM_HUBSPOT_URL": settings.crm_hubspot_url,
           "LIVECHAT_CRM_HUBSPOT_TOKEN": "test-token", "PYTHONPATH": os.getcwd()}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "crm_sync.cli", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    return process.returncode, out.decode()


async def test_failing_crm_dead_letters_the_job_and_replay_finishes_it(crm_settings, standin, pg_backend):
    settings = crm_settings(crm_max_tries=3, crm_retry_base_s=0.05)
    customers = await make_customers(pg_backend.database_url, 30)
    standin.fail_next(1000, 503)
    redis = await pool(settings)
    try:
        assert await enqueue(redis, settings, "hubspot") is True
        # The idempotency key: asking again while the sync is queued does not queue a second one.
        assert await enqueue(redis, settings, "hubspot") is False
        await _burst(settings)

        entries = await dead_letters.entries(redis, settings.crm_queue)
        assert len(entries) == 1
        assert entries[0]["function"] == "sync_connector" and entries[0]["args"] == ["hubspot"] and entries[0]["tries"] == 3
        assert "503" in entries[0]["error"]
        # Three tries, each one call to the CRM; nothing arrived.
        assert sum(standin.requests.values()) == 3 and standin.objects["contacts"] == {}
        assert (await status.all_status(redis, settings.crm_queue))["hubspot"]["state"] == "failed"

        # The CRM is back: replay the dead letter from the command line, and the worker finishes the job.
        standin.faults.clear()
        code, out = await _cli(settings, "dead-letters")
        assert code == 0 and json.loads(out)[0]["id"] == entries[0]["id"]
        code, out = await _cli(settings, "dead-letters", "--replay", "all")
        assert code == 0, out
        assert json.loads(out)[0]["job_id"]
        await _burst(settings)
        assert await dead_letters.entries(redis, settings.crm_queue) == []
        assert set(standin.objects["contacts"]) == {str(c) for c in customers.values()}
        assert (await status.all_status(redis, settings.crm_queue))["hubspot"]["sent"]["contacts"] == 30
    finally:
        await redis.aclose()


async def test_run_now_with_progress_bars_then_status(crm_settings, standin, pg_backend):
    settings = crm_settings()
    customers = await make_customers(pg_backend.database_url, 250)
    env = {**os.environ, "LIVECHAT_DATABASE_URL": settings.database_url, "LIVECHAT_REDIS_URL": settings.redis_url,
           "LIVECHAT_CRM_QUEUE": settings.crm_queue, "LIVECHAT_CRM_HUBSPOT_URL": settings.crm_hubspot_url,
           "LIVECHAT_CRM_HUBSPOT_TOKEN": "test-token", "LIVECHAT_CRM_SETTLE_S": "0", "PYTHONPATH": os.getcwd()}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "crm_sync.cli", "run", "hubspot", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert json.loads(out)["sent"]["contacts"] == 250
    bars = err.decode()
    assert "contacts" in bars and "250/250" in bars  # the progress bar, complete
    assert len(standin.objects["contacts"]) == len(customers)
    code, out = await _cli(settings, "status")
    assert code == 0 and "contacts" in out and "250" in out


async def test_a_refusal_goes_to_the_dead_letters_at_once(crm_settings, standin, pg_backend):
    settings = crm_settings(crm_hubspot_token="wrong-token", crm_max_tries=5)
    await make_customers(pg_backend.database_url, 3)
    redis = await pool(settings)
    try:
        assert await enqueue(redis, settings, "hubspot")
        await _burst(settings)
        entries = await dead_letters.entries(redis, settings.crm_queue)
        # A bad token will not get better by waiting: one try, no backoff rounds.
        assert len(entries) == 1 and entries[0]["tries"] == 1 and "401" in entries[0]["error"]
        assert sum(standin.requests.values()) == 1 and standin.objects["contacts"] == {}
    finally:
        await redis.aclose()


async def test_the_schedule_queues_each_configured_connector_once(crm_settings, standin):
    from crm_sync.jobs import job_id, scheduled_sync

    settings = crm_settings(crm_webhook_url="http://127.0.0.1:9/hook", crm_webhook_secret="s")
    redis = await pool(settings)
    try:
        assert await scheduled_sync({"settings": settings, "redis": redis}) == ["hubspot", "webhook"]
        # The next tick while those are still waiting queues nothing more.
        assert await scheduled_sync({"settings": settings, "redis": redis}) == []
        queued = {member.decode() for member in await redis.zrange(settings.crm_queue, 0, -1)}
        assert queued == {job_id("hubspot"), job_id("webhook")}
    finally:
        await redis.aclose()
    # The worker runs the schedule as an arq cron job every LIVECHAT_CRM_SCHEDULE_MINUTES.
    cron_jobs = worker(crm_settings(crm_schedule_minutes=15), handle_signals=False).cron_jobs
    assert [(c.name, c.minute) for c in cron_jobs] == [("scheduled_sync", {0, 15, 30, 45})]
