"""Fault: Redis, which joins the two nodes, dies and comes back while visitors on one node chat with
agents on the other. python-socketio drops what is published while Redis is down, so live delivery
across nodes has holes; the database is the source of truth and clients resync from it by sequence
number. /health says so while Redis is down and is healthy again once the listener is back."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from tests.fixtures import free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.chat_checker import Side, check_conversations, send_until_acked, stored_messages
from tests.support.private_services import PrivateRedis
from tests.support.processes import start_node
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
VISITORS = 4


async def _health(base_url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/health", timeout=aiohttp.ClientTimeout(total=10)) as response:
        return response.status, await response.json()


async def test_a_redis_restart_loses_and_duplicates_nothing(pg_url, tmp_path, request):
    from tests.fixtures import _prepare_backend

    backend = await _prepare_backend("postgres", tmp_path, request)
    redis = PrivateRedis(free_port(), tmp_path)
    await redis.start()
    env = {
        "LIVECHAT_DATABASE_URL": backend.database_url, "LIVECHAT_REDIS_URL": redis.url, "LIVECHAT_REDIS_CHANNEL": "fault-redis",
        "LIVECHAT_RASA_URL": "http://127.0.0.1:9", "LIVECHAT_SECRET_KEY": "fault-test-secret-0123456789abcdef0123",
        "LIVECHAT_DATA_DIR": str(tmp_path / "data"), "LIVECHAT_ROUTER_SWEEP_S": "1", "LIVECHAT_AGENT_GRACE_S": "60",
    }
    visitors_node = await start_node(free_port(), env, tmp_path)
    agents_node = await start_node(free_port(), env, tmp_path)
    try:
        await add_agent(backend.database_url, "ann@shop.test", max_chats=VISITORS)
        ann = await AgentClient.login(agents_node.base_url, "ann@shop.test")
        visitors = [await Visitor.start(visitors_node.base_url) for _ in range(VISITORS)]
        convs = [(await v.say("hello"))["conversation_id"] for v in visitors]
        assigned = {await ann.wait_for_assignment() for _ in convs}
        assert assigned == set(convs)
        sides = {c: (Side("visitor"), Side("agent")) for c in convs}
        for conv, visitor in zip(convs, visitors):
            for message in visitor.received:
                sides[conv][0].saw(message)
            visitor.client.on("message", sides[conv][0].saw, namespace="/visitor")
            await ann.ok("watch", {"conversation_id": conv})
        ann.client.on("message", lambda m: m["conversation_id"] in sides and sides[m["conversation_id"]][1].saw(m), namespace="/agent")

        async def writes(conv: str, call, side: Side, prefix: str) -> None:
            for n in range(10):
                message = await send_until_acked(call, None, {"client_id": f"{prefix}-{conv[:8]}-{n}", "text": f"{prefix} {n}",
                                                                       "conversation_id": conv})
                side.ack(f"{prefix}-{conv[:8]}-{n}", message)
                await asyncio.sleep(0.4)

        async def heartbeats() -> None:
            for _ in range(15):
                await ann.call("presence", {"status": "online"})  # as the console does; fails while Redis is down
                await asyncio.sleep(0.5)

        down_health: list[tuple[int, dict]] = []

        async def outage() -> None:
            await asyncio.sleep(1)
            redis.stop()
            await asyncio.sleep(1)
            down_health.append(await _health(visitors_node.base_url))
            await asyncio.sleep(2)
            await redis.start()

        def visitor_call(visitor):
            return lambda e, d, timeout: visitor.client.call(e, d, namespace="/visitor", timeout=timeout)

        def agent_call(e, d, timeout):
            return ann.client.call(e, d, namespace="/agent", timeout=timeout)

        await asyncio.gather(outage(), heartbeats(), *(writes(c, visitor_call(v), sides[c][0], "v") for c, v in zip(convs, visitors)),
                             *(writes(c, agent_call, sides[c][1], "a") for c in convs))

        status, body = down_health[0]
        assert status == 503 and body["checks"]["redis"].startswith("error"), body
        for _ in range(100):  # the listener reconnects with python-socketio's own backoff
            status, body = await _health(visitors_node.base_url)
            if status == 200:
                break
            await asyncio.sleep(0.5)
        assert status == 200 and body["checks"]["redis_listener"] == "ok", body

        # Live delivery across the nodes had holes (what was published while Redis was down is gone) ...
        stored = await stored_messages(backend.database_url, [uuid.UUID(c) for c in convs])
        holes = sum(len({m["seq"] for m in stored[c]} - set(sides[c][1].seen)) for c in convs)
        assert holes > 0, "nothing was published during the outage: the test did not test the drop"
        # ... which resyncing by sequence number from the database, the source of truth, fills.
        for conv, visitor in zip(convs, visitors):
            ack = await visitor.call("sync", {"conversation_id": conv, "after_seq": 0})
            for message in ack["messages"]:
                sides[conv][0].saw(message)
            status, detail = await ann.rest("GET", f"/api/agent/conversations/{conv}")
            for message in detail["messages"]:
                sides[conv][1].saw(message)
        check_conversations(stored, {c: list(s) for c, s in sides.items()})
    finally:
        visitors_node.stop()
        agents_node.stop()
        redis.stop()
