"""The sync jobs on arq: run on demand or on a schedule, retried with exponential backoff, dead-lettered.

`sync_connector` runs every stream of one connector until it has caught up. Its job id is the
idempotency key `sync:<connector>`: asking again while one is queued or running does nothing. A job
that keeps failing (5xx, timeouts) is retried after 2, 4, 8 ... seconds (up to 5 minutes) and after
`crm_max_tries` lands in the dead-letter list; a permanent error (bad credentials) goes there at once.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from arq import Retry, cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, func

from crm_sync import connectors, dead_letters, status
from crm_sync.destination import PermanentError, TransientError
from crm_sync.streams import STREAMS, run_stream
from livechat.db.engine import create_engine, create_session_factory
from livechat.settings import Settings

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0


def backoff_s(settings: Settings, job_try: int) -> float:
    return min(settings.crm_retry_base_s * 2 ** (job_try - 1), MAX_BACKOFF_S)


def job_id(connector: str) -> str:
    return f"sync:{connector}"


async def run_connector(ctx: dict[str, Any], connector: str, progress=None) -> dict[str, int]:
    """Every stream of one connector, privacy first (a deletion must not wait behind a long backfill)."""
    settings: Settings = ctx["settings"]
    destination = connectors.build(connector, settings, ctx["http"])
    sent = {}
    for stream in STREAMS:
        sent[stream] = await run_stream(ctx["sessions"], destination, stream, size=settings.crm_batch_size, settle_s=settings.crm_settle_s,
                                        calls=settings.crm_calls_in_flight,
                                        progress=progress)
    return sent


async def sync_connector(ctx: dict[str, Any], connector: str) -> dict[str, int]:
    settings: Settings = ctx["settings"]
    redis: ArqRedis = ctx["redis"]
    tries = ctx.get("job_try", 1)
    await status.started(redis, settings.crm_queue, connector, tries)
    try:
        sent = await run_connector(ctx, connector)
    except TransientError as exc:
        if tries < settings.crm_max_tries:
            defer = backoff_s(settings, tries)
            log.warning("sync of %s failed (try %d), retrying in %.0f s: %s", connector, tries, defer, exc)
            await status.finished(redis, settings.crm_queue, connector, error=f"retrying in {defer:.0f} s: {exc}")
            raise Retry(defer=defer) from exc
        await _dead(ctx, connector, exc, tries)
        raise
    except (PermanentError, LookupError) as exc:
        await _dead(ctx, connector, exc, tries)
        raise
    await status.finished(redis, settings.crm_queue, connector, sent=sent)
    return sent


async def _dead(ctx: dict[str, Any], connector: str, exc: Exception, tries: int) -> None:
    settings: Settings = ctx["settings"]
    log.error("sync of %s failed for good after %d tries: %s", connector, tries, exc)
    await dead_letters.add(ctx["redis"], settings.crm_queue, function="sync_connector", args=[connector], error=str(exc), tries=tries,
                           job_id=ctx.get("job_id"))
    await status.finished(ctx["redis"], settings.crm_queue, connector, error=f"dead-lettered: {exc}")


async def scheduled_sync(ctx: dict[str, Any]) -> list[str]:
    """The cron entry: queue a sync of every configured connector (deduplicated by job id)."""
    return [name for name in connectors.configured(ctx["settings"]) if await enqueue(ctx["redis"], ctx["settings"], name)]


async def enqueue(redis: ArqRedis, settings: Settings, connector: str) -> bool:
    """Queue a sync; False when one for that connector is already queued or running."""
    return await redis.enqueue_job("sync_connector", connector, _job_id=job_id(connector), _queue_name=settings.crm_queue) is not None


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings.database_url, pool_size=2)
    ctx["sessions"] = create_session_factory(ctx["engine"])
    ctx["http"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8))


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["http"].close()
    await ctx["engine"].dispose()


def redis_settings(settings: Settings) -> RedisSettings:
    if not settings.redis_url:
        raise SystemExit("crm-sync needs LIVECHAT_REDIS_URL (the job queue lives in Redis)")
    return RedisSettings.from_dsn(settings.redis_url)


async def pool(settings: Settings) -> ArqRedis:
    return await create_pool(redis_settings(settings), default_queue_name=settings.crm_queue)


def worker(settings: Settings, *, burst: bool = False, handle_signals: bool = True) -> Worker:
    every = settings.crm_schedule_minutes
    return Worker(
        functions=[func(sync_connector, name="sync_connector", timeout=settings.crm_job_timeout_s, keep_result=0,
                        max_tries=settings.crm_max_tries)],
        cron_jobs=[cron(scheduled_sync, name="scheduled_sync", minute=set(range(0, 60, every)), second=0, run_at_startup=False)],
        redis_settings=redis_settings(settings), queue_name=settings.crm_queue, on_startup=startup, on_shutdown=shutdown,
        ctx={"settings": settings}, burst=burst, job_timeout=settings.crm_job_timeout_s, max_jobs=4, handle_signals=handle_signals,
    )
