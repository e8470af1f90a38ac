"""The dead-letter list: sync jobs that failed for good, kept in Redis to inspect and replay."""

from __future__ import annotations

import json
import uuid
from typing import Any

from redis.asyncio import Redis

from livechat.db.types import utcnow


def key(queue: str) -> str:
    return f"{queue}:dead_letters"


async def add(redis: Redis, queue: str, *, function: str, args: list[Any], error: str, tries: int, job_id: str | None) -> str:
    entry_id = uuid.uuid4().hex[:12]
    entry = {"id": entry_id, "function": function, "args": args, "error": error[:2000], "tries": tries, "job_id": job_id,
             "failed_at": utcnow().isoformat()}
    await redis.rpush(key(queue), json.dumps(entry))
    return entry_id


async def entries(redis: Redis, queue: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in await redis.lrange(key(queue), 0, -1)]


async def take(redis: Redis, queue: str, entry_id: str | None) -> list[dict[str, Any]]:
    """Remove and return one entry (or all, with None) for replaying."""
    taken = []
    for raw in await redis.lrange(key(queue), 0, -1):
        entry = json.loads(raw)
        if entry_id is None or entry["id"] == entry_id:
            if await redis.lrem(key(queue), 1, raw):
                taken.append(entry)
    return taken
