"""Last run of each connector, kept in Redis for `crm-sync status`."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.db.types import utcnow


def key(queue: str) -> str:
    return f"{queue}:status"


async def started(redis: Redis, queue: str, connector: str, tries: int) -> None:
    await redis.hset(key(queue), connector, json.dumps({"state": "running", "try": tries, "started_at": utcnow().isoformat()}))


async def finished(redis: Redis, queue: str, connector: str, *, sent: dict | None = None, error: str | None = None) -> None:
    previous = json.loads(await redis.hget(key(queue), connector) or "{}")
    await redis.hset(key(queue), connector, json.dumps({
        **previous, "state": "failed" if error else "done", "finished_at": utcnow().isoformat(), "sent": sent, "error": error,
    }))


async def all_status(redis: Redis, queue: str) -> dict[str, Any]:
    return {name.decode(): json.loads(raw) for name, raw in (await redis.hgetall(key(queue))).items()}
