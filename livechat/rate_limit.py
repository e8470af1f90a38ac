"""Fixed-window rate limits, in Redis across nodes or in memory on a single node."""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis

from livechat.errors import LivechatError


class RateLimited(LivechatError):
    code = "rate_limited"
    status = 429


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        """Count one attempt; None if allowed, else the seconds until the window resets."""


class MemoryRateLimiter:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        now = self._clock()
        if len(self._windows) > 10_000:  # keep memory bounded under a flood of distinct keys
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        resets_at, count = self._windows.get(key, (now + window_s, 0))
        if resets_at <= now:
            resets_at, count = now + window_s, 0
        count += 1
        self._windows[key] = (resets_at, count)
        return None if count <= limit else resets_at - now


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        name = f"{self._prefix}:rl:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_s, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return None if count <= limit else float(max(ttl, 1))


async def enforce(limiter: RateLimiter, key: str, *, limit: int, window_s: int, what: str) -> None:
    retry_after = await limiter.hit(key, limit=limit, window_s=window_s)
    if retry_after is not None:
        seconds = math.ceil(retry_after)
        raise RateLimited(f"Too many {what}; try again in {seconds} s.", retry_after_s=seconds)
