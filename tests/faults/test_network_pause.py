"""Fault: a visitor's network stalls for 30 s mid-chat (bytes held, nothing closed) while the agent keeps
writing. Afterwards the visitor is connected again, every message either side had acknowledged is
stored exactly once, and the visitor has everything the agent wrote, in order."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

from tests.support.agent import AgentClient, add_agent
from tests.support.chat_checker import Side, check_conversations, send_until_acked, stored_messages
from tests.support.tcp_proxy import PausableProxy
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.postgres]
PAUSE_S = 30


async def test_a_30_second_network_stall_loses_and_duplicates_nothing(pg_backend, make_node):
    node = await make_node(pg_backend)
    await add_agent(pg_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    proxy = PausableProxy(int(node.base_url.rsplit(":", 1)[1]))
    await proxy.start()
    try:
        visitor = await Visitor.start(proxy.base_url)  # the visitor's traffic goes through the stalling network
        conv = (await visitor.say("hello"))["conversation_id"]
        assert await ann.wait_for_assignment() == conv
        await ann.ok("watch", {"conversation_id": conv})
        mine, theirs = Side("visitor"), Side("agent")
        for message in visitor.received:  # what the visitor had before the stall
            mine.saw(message)
        visitor.client.on("message", mine.saw, namespace="/visitor")
        ann.client.on("message", theirs.saw, namespace="/agent")

        async def reconnect_visitor() -> None:
            if visitor.client.connected:
                return
            try:
                await visitor.connect(proxy.base_url)
                visitor.client.on("message", mine.saw, namespace="/visitor")
            except (socketio.exceptions.ConnectionError, socketio.exceptions.BadNamespaceError):
                pass

        attempts = {"visitor": 0}

        async def visitor_call(event, data, timeout):
            attempts["visitor"] += 1
            return await visitor.client.call(event, data, namespace="/visitor", timeout=timeout)

        async def visitor_writes() -> None:
            for n in range(6):
                message = await send_until_acked(visitor_call, reconnect_visitor,
                    {"client_id": f"v-{n}", "text": f"visitor {n}", "conversation_id": conv})
                mine.ack(f"v-{n}", message)
                await asyncio.sleep(2)

        async def agent_writes() -> None:
            for n in range(6):
                message = (await ann.ok("message", {"conversation_id": conv, "client_id": f"a-{n}", "text": f"agent {n}"}))["message"]
                theirs.ack(f"a-{n}", message)
                await asyncio.sleep(3)

        async def stall() -> None:
            await asyncio.sleep(1)
            proxy.pause()
            await asyncio.sleep(PAUSE_S)
            proxy.resume()

        await asyncio.gather(stall(), visitor_writes(), agent_writes())

        # Back online: the visitor catches up from the last sequence number it has.
        await reconnect_visitor()
        ack = await visitor.call("sync", {"conversation_id": conv, "after_seq": max(mine.seen, default=0)})
        for message in ack["messages"]:
            mine.saw(message)
        status, body = await ann.rest("GET", f"/api/agent/conversations/{conv}")
        assert status == 200
        for message in body["messages"]:
            theirs.saw(message)
        stored = await stored_messages(pg_backend.database_url, [uuid.UUID(conv)])
        check_conversations(stored, {conv: [mine, theirs]})
        assert {f"{side}-{n}" for side in "va" for n in range(6)} <= {m["client_id"] for m in stored[conv]}
        assert attempts["visitor"] > 6, "the stall made the visitor retry (else it tested nothing)"
    finally:
        await proxy.close()
