"""Rasa slow or down: the visitor hears so within the timeout, nothing is lost, a person gets the chat;
when Rasa is back, new conversations use it again."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import uuid

import pytest
from sqlalchemy import select

from livechat import stack
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Conversation, ConversationState, Message
from tests.fixtures import free_port
from tests.support.visitor import Visitor

pytestmark = pytest.mark.rasa
UNAVAILABLE = "Our assistant isn't available right now"


async def _stored(backend, conversation_id: str) -> tuple[Conversation, list[Message]]:
    engine = create_engine(backend.database_url)
    try:
        async with create_session_factory(engine)() as session:
            conv = await session.get(Conversation, uuid.UUID(conversation_id))
            rows = list(await session.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)))
            return conv, rows
    finally:
        await engine.dispose()


async def test_a_bot_slower_than_the_timeout_hands_over_to_people(sqlite_backend, make_node, rasa):
    node = await make_node(sqlite_backend, rasa_url=rasa.rasa_url, rasa_timeout_s=0.001)
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("where is my order 1002?")
    notice = await visitor.wait_for_reply_after(sent["seq"], sender="system")
    assert notice["text"].startswith(UNAVAILABLE)
    await visitor.wait_for(lambda: any(s["state"] == "queued" for s in visitor.states), what="queued state")
    conv, rows = await _stored(sqlite_backend, sent["conversation_id"])
    assert conv.state is ConversationState.QUEUED
    # Nobody is online in this test, so the visitor is also offered to leave a message.
    assert [(m.sender_kind.value, m.text) for m in rows[:2]] == [("visitor", "where is my order 1002?"), ("system", notice["text"])]
    assert [m.payload["type"] for m in rows[1:]] == ["queued", "no_agents"]
    # The bot stays out of a conversation that waits for a person.
    later = await visitor.say("hello?")
    await asyncio.sleep(1.0)  # time for a bot turn that must not happen
    conv, rows = await _stored(sqlite_backend, sent["conversation_id"])
    assert rows[-1].seq == later["seq"] and rows[-1].sender_kind.value == "visitor"
    await visitor.disconnect()


@pytest.fixture
async def own_rasa(rasa, tmp_path):
    """A Rasa server of this test's own (sharing the session's action server), to stop and start."""
    config = dataclasses.replace(rasa, rasa_port=free_port(), log_dir=tmp_path)
    processes = [stack.start_rasa_server(config)]
    await stack.wait_for_rasa(config.rasa_url, process=processes[0])
    yield config, processes
    for process in processes:
        stack.stop(process)


async def test_rasa_killed_mid_conversation_and_back(pg_backend, make_node, own_rasa):
    config, processes = own_rasa
    node = await make_node(pg_backend, rasa_url=config.rasa_url, rasa_timeout_s=3)
    visitor = await Visitor.start(node.base_url)
    hello = await visitor.say("hi")
    await visitor.wait_for_reply_after(hello["seq"], sender="bot")

    os.killpg(processes[0].pid, signal.SIGKILL)
    processes[0].wait(timeout=10)
    sent = await visitor.say("where is my order 1002?")
    notice = await visitor.wait_for_reply_after(sent["seq"], sender="system", timeout=10)
    assert notice["text"].startswith(UNAVAILABLE)
    await visitor.wait_for(lambda: visitor.states and visitor.states[-1]["state"] == "queued", what="queued state")
    conv, rows = await _stored(pg_backend, sent["conversation_id"])
    assert conv.state is ConversationState.QUEUED
    assert sent["seq"] in [m.seq for m in rows] and notice["text"] in [m.text for m in rows if m.seq > sent["seq"]]

    processes.append(stack.start_rasa_server(config))
    await stack.wait_for_rasa(config.rasa_url, process=processes[-1])
    newcomer = await Visitor.start(node.base_url)
    question = await newcomer.say("where is my order 1003?")
    answer = await newcomer.wait_for_reply_after(question["seq"], sender="bot")
    assert "1003" in answer["text"]
    await visitor.disconnect()
    await newcomer.disconnect()
