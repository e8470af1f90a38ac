"""Group commit: messages sent together by many visitors and agents are stored once each, gap-free per
conversation, each acknowledged only after its commit; a refused message does not sink its batch."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Message
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def _stored(database_url: str) -> list[Message]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list(await session.scalars(select(Message).order_by(Message.conversation_id, Message.seq)))
    finally:
        await engine.dispose()


async def test_concurrent_messages_with_retries_are_stored_once_and_gap_free(backend, make_node):
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test", max_chats=10)
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitors = [await Visitor.start(node.base_url) for _ in range(4)]
    convs = []
    for visitor in visitors:
        first = await visitor.say("hello")
        convs.append(first["conversation_id"])
    for _ in convs:
        await ann.wait_for_assignment()

    async def burst(visitor: Visitor, index: int):
        # Each message is sent twice at once, as a client retrying after a lost ack would.
        sends = []
        for n in range(10):
            body = {"client_id": f"v{index}-{n}", "text": f"message {n} from visitor {index}"}
            sends += [visitor.call("message", body), visitor.call("message", body)]
        return await asyncio.gather(*sends)

    agent_sends = [ann.call("message", {"conversation_id": conv, "client_id": f"a-{i}", "text": f"agent reply {i}"}) for i, conv in enumerate(convs)]
    stranger_send = visitors[0].call("message", {"client_id": "intrude", "text": "not mine", "conversation_id": convs[1]})
    results = await asyncio.gather(*(burst(v, i) for i, v in enumerate(visitors)), *agent_sends, stranger_send)
    visitor_acks, agent_acks, stranger_ack = results[:4], results[4:8], results[8]
    assert not stranger_ack["ok"] and stranger_ack["error"]["code"] == "forbidden"
    for acks in visitor_acks:
        assert all(a["ok"] for a in acks)
        for first, retry in zip(acks[::2], acks[1::2], strict=True):
            assert first["message"]["seq"] == retry["message"]["seq"]
    assert all(a["ok"] for a in agent_acks)

    stored = await _stored(backend.database_url)
    by_conv: dict[uuid.UUID, list[Message]] = {}
    for m in stored:
        by_conv.setdefault(m.conversation_id, []).append(m)
    for conv in convs:
        rows = by_conv[uuid.UUID(conv)]
        assert [m.seq for m in rows] == list(range(1, len(rows) + 1))
        client_ids = [m.client_id for m in rows if m.client_id]
        assert len(client_ids) == len(set(client_ids))
    assert sum(1 for m in stored if m.client_id and m.client_id.startswith("v")) == 40
    assert not any(m.text == "not mine" for m in stored)
