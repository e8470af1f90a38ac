"""Fault: PostgreSQL goes down hard and comes back while a visitor and an agent chat. Messages sent while
it is down are refused (never acknowledged), the clients retry them by client id, and afterwards every
acknowledged message is stored exactly once, in order, and both sides have all of them."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import asyncpg
import pytest

from livechat.db.engine import create_engine, create_session_factory
from livechat.demo.seed import seed_demo
from tests.fixtures import free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.backends import migrate
from tests.support.chat_checker import Side, check_conversations, send_until_acked, stored_messages
from tests.support.private_services import PrivatePostgres
from tests.support.processes import start_node
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.postgres]


async def _health(base_url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/health", timeout=aiohttp.ClientTimeout(total=10)) as response:
        return response.status


@pytest.fixture
async def private_pg():
    pg = PrivatePostgres(free_port())
    await asyncio.to_thread(pg.init)
    await asyncio.to_thread(pg.start)
    try:
        yield pg
    finally:
        await asyncio.to_thread(pg.remove)


async def test_a_postgres_restart_loses_and_duplicates_nothing(private_pg, tmp_path):
    conn = await asyncpg.connect(private_pg.url().replace("+asyncpg", ""))
    await conn.execute("CREATE DATABASE chat")
    await conn.close()
    url = private_pg.url("chat")
    await migrate(url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session, session.begin():
        await seed_demo(session)
    await engine.dispose()
    await add_agent(url, "ann@shop.test")
    node = await start_node(free_port(), {
        "LIVECHAT_DATABASE_URL": url, "LIVECHAT_RASA_URL": "http://127.0.0.1:9", "LIVECHAT_ROUTER_SWEEP_S": "1",
        "LIVECHAT_SECRET_KEY": "fault-test-secret-0123456789abcdef0123", "LIVECHAT_DATA_DIR": str(tmp_path / "data"),
    }, tmp_path)
    try:
        ann = await AgentClient.login(node.base_url, "ann@shop.test")
        visitor = await Visitor.start(node.base_url)
        conv = (await visitor.say("hello"))["conversation_id"]
        assert await ann.wait_for_assignment() == conv
        await ann.ok("watch", {"conversation_id": conv})
        mine, theirs = Side("visitor"), Side("agent")
        for message in visitor.received:
            mine.saw(message)
        visitor.client.on("message", mine.saw, namespace="/visitor")
        ann.client.on("message", theirs.saw, namespace="/agent")
        refused = {"count": 0}

        def counting(call):
            async def wrapped(event, data, timeout):
                ack = await call(event, data, timeout=timeout)
                refused["count"] += not ack.get("ok")
                return ack
            return wrapped

        async def writes(call, side: Side, prefix: str) -> None:
            for n in range(12):
                message = await send_until_acked(counting(call), None, {"client_id": f"{prefix}-{n}", "text": f"{prefix} {n}",
                                                                                 "conversation_id": conv})
                side.ack(f"{prefix}-{n}", message)
                await asyncio.sleep(0.3)

        down: list[int] = []

        async def outage() -> None:
            await asyncio.sleep(1)
            await asyncio.to_thread(private_pg.stop, "immediate")
            down.append(await _health(node.base_url))
            await asyncio.sleep(2)
            await asyncio.to_thread(private_pg.start)

        await asyncio.gather(
            outage(),
            writes(lambda e, d, timeout: visitor.client.call(e, d, namespace="/visitor", timeout=timeout), mine, "v"),
            writes(lambda e, d, timeout: ann.client.call(e, d, namespace="/agent", timeout=timeout), theirs, "a"),
        )
        assert down == [503] and await _health(node.base_url) == 200
        assert refused["count"] > 0, "no message was refused during the outage: the test did not test it"

        ack = await visitor.call("sync", {"conversation_id": conv, "after_seq": max(mine.seen)})
        for message in ack["messages"]:
            mine.saw(message)
        status, body = await ann.rest("GET", f"/api/agent/conversations/{conv}")
        assert status == 200
        for message in body["messages"]:
            theirs.saw(message)
        check_conversations(await stored_messages(url, [uuid.UUID(conv)]), {conv: [mine, theirs]})
    finally:
        node.stop()
