"""Two real server processes on different ports, sharing PostgreSQL and Redis, behave as one: a visitor on
node 1 and an agent on node 2 get assigned, chat, see each other typing, and the bot comes back."""

from __future__ import annotations

import asyncio

import pytest

from tests.fixtures import free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.processes import start_node
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.rasa, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
async def two_nodes(pg_url, rasa, api_port, bot_api_token, tmp_path, request):
    from tests.fixtures import _prepare_backend

    backend = await _prepare_backend("postgres+redis", tmp_path, request)
    env = {
        "LIVECHAT_DATABASE_URL": backend.database_url,
        "LIVECHAT_REDIS_URL": backend.redis_url,
        "LIVECHAT_REDIS_CHANNEL": backend.redis_channel,
        "LIVECHAT_RASA_URL": rasa.rasa_url,
        "LIVECHAT_BOT_API_TOKEN": bot_api_token,
        "LIVECHAT_SECRET_KEY": "multi-node-test-secret-0123456789abcdef",
        "LIVECHAT_DATA_DIR": str(tmp_path / "data"),
        "LIVECHAT_ROUTER_SWEEP_S": "1",
    }
    # Node 1 takes the port the session's action server calls for order data.
    nodes = []
    try:
        nodes.append(await start_node(api_port, env, tmp_path))
        nodes.append(await start_node(free_port(), env, tmp_path))
        yield backend, nodes
    finally:
        for node in nodes:
            node.stop()


async def test_a_visitor_on_one_node_and_an_agent_on_the_other_chat(two_nodes):
    backend, (node1, node2) = two_nodes
    await add_agent(backend.database_url, "anna@shop.test", name="Anna")
    anna = await AgentClient.login(node2.base_url, "anna@shop.test")
    visitor = await Visitor.start(node1.base_url)

    hi = await visitor.say("where is my order 1003?")
    assert "1003" in (await visitor.wait_for_reply_after(hi["seq"]))["text"]
    ask = await visitor.say("I want to talk to a person")
    conv = ask["conversation_id"]
    # Queued on node 1; Anna's presence (kept in Redis by node 2) lets the router assign it to her.
    assert await anna.wait_for_assignment() == conv
    await visitor.wait_for(lambda: visitor.states and visitor.states[-1].get("agent") == {"name": "Anna"}, what="assignment seen on node 1")
    await anna.ok("watch", {"conversation_id": conv})

    await visitor.call("typing", {"typing": True})
    await anna.wait_for(lambda: [t for t in anna.of("typing") if t["sender"] == "visitor"], what="visitor typing across nodes")
    await anna.ok("typing", {"conversation_id": conv, "typing": True})
    await visitor.wait_for(lambda: [t for t in visitor.typing if t["sender"] == "agent" and t.get("name") == "Anna"], what="agent typing")

    sent = await visitor.say("my parcel is late, can you check?")
    await anna.wait_for(lambda: [m for m in anna.of("message") if m["seq"] == sent["seq"]], what="visitor message on node 2")
    reply = await anna.say(conv, "It's at the depot and arrives tomorrow.")
    assert (await visitor.wait_for_reply_after(sent["seq"], sender="agent"))["text"] == reply["text"]

    await anna.ok("handback", {"conversation_id": conv, "resolution": "resolved"})
    back = await visitor.wait_for(lambda: [m for m in visitor.received if m["sender"] == "bot" and "I'm back" in (m["text"] or "")],
                                  what="the bot back")
    assert "1003" in back[0]["text"]

    # Live lists on node 2 follow node 1: a new chat with the bot shows up for Anna.
    newcomer = await Visitor.start(node1.base_url)
    hello = await newcomer.say("hello")
    await anna.wait_for(lambda: [c for c in anna.of("conversation") if c["id"] == hello["conversation_id"] and c["state"] == "bot"],
                        what="the new bot conversation in Anna's list")
    for client in (visitor, newcomer):
        await client.disconnect()
    await anna.disconnect()
    await asyncio.sleep(0)
