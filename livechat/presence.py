"""Who of the agents is online: heartbeats per socket, kept in Redis across nodes or in memory on one node.

An agent is present while at least one of their sockets sent a heartbeat within HEARTBEAT_TTL_S; a node
that dies takes its sockets' entries with it when they expire. `last_seen` outlives presence, so the
sweeper can tell how long an agent has been gone.
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

HEARTBEAT_TTL_S = 45


class Status(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class AgentPresence:
    agent_id: uuid.UUID
    status: Status


class Presence(Protocol):
    async def heartbeat(self, agent_id: uuid.UUID, socket_id: str, status: Status) -> bool:
        """Record a live socket; True if the agent just became available (was offline or away, now online)."""

    async def drop(self, agent_id: uuid.UUID, socket_id: str) -> None: ...

    async def present(self) -> dict[uuid.UUID, Status]:
        """Every agent with a live socket and their status (online or away)."""

    async def last_seen(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
        """Unix time of each agent's latest heartbeat, where known."""


def _member(agent_id: uuid.UUID, socket_id: str) -> str:
    return f"{agent_id}|{socket_id}"


def _agent_of(member: str) -> uuid.UUID:
    return uuid.UUID(member.split("|", 1)[0])


class MemoryPresence:
    def __init__(self, clock=time.time, ttl_s: float = HEARTBEAT_TTL_S) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._sockets: dict[str, float] = {}
        self._status: dict[uuid.UUID, Status] = {}
        self._seen: dict[uuid.UUID, float] = {}

    async def heartbeat(self, agent_id: uuid.UUID, socket_id: str, status: Status) -> bool:
        was = (await self.present()).get(agent_id)
        now = self._clock()
        self._sockets[_member(agent_id, socket_id)] = now + self._ttl_s
        self._status[agent_id] = status
        self._seen[agent_id] = now
        return status is Status.ONLINE and was is not Status.ONLINE

    async def drop(self, agent_id: uuid.UUID, socket_id: str) -> None:
        self._sockets.pop(_member(agent_id, socket_id), None)
        self._seen[agent_id] = self._clock()

    async def present(self) -> dict[uuid.UUID, Status]:
        now = self._clock()
        self._sockets = {m: exp for m, exp in self._sockets.items() if exp > now}
        return {_agent_of(m): self._status.get(_agent_of(m), Status.ONLINE) for m in self._sockets}

    async def last_seen(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
        return {a: self._seen[a] for a in agent_ids if a in self._seen}


class RedisPresence:
    def __init__(self, redis: Redis, prefix: str, ttl_s: float = HEARTBEAT_TTL_S) -> None:
        self._redis = redis
        self._sockets = f"{prefix}:presence:sockets"
        self._status = f"{prefix}:presence:status"
        self._seen = f"{prefix}:presence:seen"
        self._ttl_s = ttl_s

    async def heartbeat(self, agent_id: uuid.UUID, socket_id: str, status: Status) -> bool:
        now = time.time()
        key = str(agent_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrangebyscore(self._sockets, now, "+inf")
            pipe.hget(self._status, key)
            pipe.zadd(self._sockets, {_member(agent_id, socket_id): now + self._ttl_s})
            pipe.hset(self._status, key, status.value)
            pipe.hset(self._seen, key, now)
            live, old_status, *_ = await pipe.execute()
        was_present = any(m.decode().startswith(key + "|") for m in live)
        was_online = was_present and (old_status or b"online").decode() == Status.ONLINE
        return status is Status.ONLINE and not was_online

    async def drop(self, agent_id: uuid.UUID, socket_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._sockets, _member(agent_id, socket_id))
            pipe.hset(self._seen, str(agent_id), time.time())
            await pipe.execute()

    async def present(self) -> dict[uuid.UUID, Status]:
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(self._sockets, "-inf", now)
            pipe.zrange(self._sockets, 0, -1)
            _, members = await pipe.execute()
        agents = sorted({_agent_of(m.decode()) for m in members})
        if not agents:
            return {}
        statuses = await self._redis.hmget(self._status, [str(a) for a in agents])
        return {a: Status((s or b"online").decode()) for a, s in zip(agents, statuses, strict=True)}

    async def last_seen(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
        if not agent_ids:
            return {}
        values = await self._redis.hmget(self._seen, [str(a) for a in agent_ids])
        return {a: float(v) for a, v in zip(agent_ids, values, strict=True) if v is not None}
