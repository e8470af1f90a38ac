"""Fault: a server node is killed with SIGKILL while visitors and agents are chatting through both nodes.

Clients on the dead node reconnect to the other one, retry whatever was not acknowledged (same client
id), and resync what they missed by sequence number. The checker then compares, per conversation, what
every client sent and had acknowledged, what PostgreSQL holds and what each side received: nothing
lost, nothing stored twice, the order kept.
"""

from __future__ import annotations

import asyncio
import signal
import uuid

import pytest
import socketio

from tests.fixtures import free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.chat_checker import Side, check_conversations, send_until_acked, stored_messages
from tests.support.processes import start_node
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

VISITORS = 6
MESSAGES_EACH = 12


@pytest.fixture
async def two_nodes(pg_url, tmp_path, request):
    from tests.fixtures import _prepare_backend

    backend = await _prepare_backend("postgres+redis", tmp_path, request)
    env = {
        "LIVECHAT_DATABASE_URL": backend.database_url, "LIVECHAT_REDIS_URL": backend.redis_url,
        "LIVECHAT_REDIS_CHANNEL": backend.redis_channel, "LIVECHAT_RASA_URL": "http://127.0.0.1:9",
        "LIVECHAT_SECRET_KEY": "fault-test-secret-0123456789abcdef0123", "LIVECHAT_DATA_DIR": str(tmp_path / "data"),
        "LIVECHAT_ROUTER_SWEEP_S": "1", "LIVECHAT_AGENT_GRACE_S": "30",
    }
    nodes = [await start_node(free_port(), env, tmp_path), await start_node(free_port(), env, tmp_path)]
    try:
        yield backend, nodes
    finally:
        for node in nodes:
            node.stop()


async def test_sigkill_of_a_node_loses_and_duplicates_nothing(two_nodes):
    backend, (doomed, survivor) = two_nodes
    for i in range(2):
        await add_agent(backend.database_url, f"agent{i}@shop.test", max_chats=VISITORS)
    agents = [await AgentClient.login(node.base_url, f"agent{i}@shop.test") for i, node in enumerate((doomed, survivor))]
    visitors = [await Visitor.start((doomed, survivor)[i % 2].base_url) for i in range(VISITORS)]

    # Every visitor opens a chat; nobody answers bots here (Rasa is unreachable), so each goes to a person.
    conversations: dict[str, Visitor] = {}
    for i, visitor in enumerate(visitors):
        first = await visitor.say(f"v{i} hello")
        conversations[first["conversation_id"]] = visitor
    owner: dict[str, AgentClient] = {}
    for _ in range(VISITORS):
        for agent in agents:
            try:
                owner[await agent.wait_for_assignment(timeout=1)] = agent
            except AssertionError:
                pass
        if len(owner) == VISITORS:
            break
    assert set(owner) == set(conversations), "every chat assigned before the fault"
    for conv_id, agent in owner.items():
        await agent.ok("watch", {"conversation_id": conv_id})

    sides: dict[str, tuple[Side, Side]] = {c: (Side(f"visitor of {c[:8]}"), Side(f"agent of {c[:8]}")) for c in conversations}
    for conv_id, visitor in conversations.items():
        visitor.client.on("message", lambda m, s=sides[conv_id][0]: s.saw(m), namespace="/visitor")

    def on_agent_message(message: dict) -> None:
        if message["conversation_id"] in sides:
            sides[message["conversation_id"]][1].saw(message)

    for agent in agents:
        agent.client.on("message", on_agent_message, namespace="/agent")

    moved: set[int] = set()  # clients that had to reconnect to the survivor

    async def reconnect_visitor(visitor: Visitor) -> None:
        if not visitor.client.connected:
            moved.add(id(visitor))
            try:
                await visitor.connect(survivor.base_url)
            except (socketio.exceptions.ConnectionError, socketio.exceptions.BadNamespaceError):
                return  # the next attempt tries again
            conv_id = next(c for c, v in conversations.items() if v is visitor)
            visitor.client.on("message", lambda m, s=sides[conv_id][0]: s.saw(m), namespace="/visitor")

    async def reconnect_agent(agent: AgentClient) -> None:
        if not agent.client.connected:
            moved.add(id(agent))
            try:
                await agent.connect(survivor.base_url)
                agent.client.on("message", on_agent_message, namespace="/agent")
                await agent.presence("online")
                for conv_id in [c for c, a in owner.items() if a is agent]:
                    await agent.call("watch", {"conversation_id": conv_id})
            except (socketio.exceptions.ConnectionError, socketio.exceptions.BadNamespaceError, AssertionError):
                return  # the next attempt tries again

    async def visitor_chats(conv_id: str, visitor: Visitor) -> None:
        side = sides[conv_id][0]
        for n in range(MESSAGES_EACH):
            client_id = f"v-{conv_id[:8]}-{n}"
            message = await send_until_acked(
                lambda e, d, timeout: visitor.client.call(e, d, namespace="/visitor", timeout=timeout),
                lambda: reconnect_visitor(visitor), {"client_id": client_id, "text": f"visitor {n}", "conversation_id": conv_id})
            side.ack(client_id, message)
            await asyncio.sleep(0.05)

    async def agent_chats(conv_id: str, agent: AgentClient) -> None:
        side = sides[conv_id][1]
        for n in range(MESSAGES_EACH):
            client_id = f"a-{conv_id[:8]}-{n}"
            message = await send_until_acked(
                lambda e, d, timeout: agent.client.call(e, d, namespace="/agent", timeout=timeout),
                lambda: reconnect_agent(agent), {"client_id": client_id, "text": f"agent {n}", "conversation_id": conv_id})
            side.ack(client_id, message)
            await asyncio.sleep(0.05)

    async def kill_midway() -> None:
        await asyncio.sleep(0.4)
        doomed.stop(signal.SIGKILL)

    await asyncio.gather(kill_midway(), *(visitor_chats(c, v) for c, v in conversations.items()),
                         *(agent_chats(c, a) for c, a in owner.items()))
    assert doomed.process.poll() is not None, "the node was killed during the chat"
    on_doomed = {id(v) for v in visitors[::2]} | {id(agents[0])}
    assert moved == on_doomed, "every client of the killed node (and only those) moved to the survivor"

    # Resync what each side missed while it was away, by sequence number, from the surviving node.
    for conv_id, visitor in conversations.items():
        for _ in range(20):
            await reconnect_visitor(visitor)
            try:
                ack = await visitor.call("sync", {"conversation_id": conv_id, "after_seq": 0})
                break
            except (socketio.exceptions.BadNamespaceError, socketio.exceptions.TimeoutError):
                await asyncio.sleep(0.2)
        for message in ack["messages"]:
            sides[conv_id][0].saw(message)
    for conv_id, agent in owner.items():
        await reconnect_agent(agent)
        agent.base_url = survivor.base_url
        status, body = await agent.rest("GET", f"/api/agent/conversations/{conv_id}")
        assert status == 200, body
        for message in body["messages"]:
            sides[conv_id][1].saw(message)

    stored = await stored_messages(backend.database_url, [uuid.UUID(c) for c in conversations])
    check_conversations(stored, {c: list(s) for c, s in sides.items()})
