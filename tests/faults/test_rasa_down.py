"""Rasa slow or down: the visitor hears so within the timeout, nothing is lost, a person gets the chat;
when Rasa is back, new conversations use it again; chats people are having go on untouched meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from livechat import stack
from livechat.api.appkeys import SERVICES
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Conversation, ConversationState, Message
from tests.fixtures import Node, free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.chat_checker import Side, check_conversations, send_until_acked, stored_messages
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
    # Nobody is online in this test, so the visitor is also offered to leave a message (the router says so
    # once it has looked, a moment after the chat was queued).
    await visitor.wait_for(lambda: any((m.get("payload") or {}).get("type") == "no_agents" for m in visitor.received),
                           what="the nobody-online notice")
    conv, rows = await _stored(sqlite_backend, sent["conversation_id"])
    assert conv.state is ConversationState.QUEUED
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


BOT_CHATS = 4
AGENTS = 2
CHATS_PER_AGENT = 2
SEND_INTERVAL_S = 0.5
RASA_TIMEOUT_S = 10  # above a loaded machine's slowest turn, so no chat leaves the bot before Rasa stops
# Lines the bot understands: two NLU fallbacks in a row would hand a chat to people before Rasa goes.
BOT_LINES = ("where is my order 1002?", "thanks", "hi", "where is my order 1003?")


def _failed_turns(node: Node) -> float:
    metrics = node.app[SERVICES].metrics
    return metrics.registry.get_sample_value("livechat_bot_turn_seconds_count", {"outcome": "failed"}) or 0


def _told_unavailable(visitor: Visitor) -> bool:
    return any(m["sender"] == "system" and m["text"].startswith(UNAVAILABLE) for m in visitor.received)


async def _settle(predicate, timeout_s: float = 10.0) -> None:
    """Give live delivery a moment to finish; the checker then reports whatever is still missing."""
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


@pytest.mark.postgres
async def test_rasa_stopped_and_started_mid_chat_loses_nothing_and_leaves_people_alone(pg_backend, make_node, own_rasa):
    config, processes = own_rasa
    node = await make_node(pg_backend, rasa_url=config.rasa_url, rasa_timeout_s=RASA_TIMEOUT_S)
    agents = []
    for i in range(AGENTS):
        # Full with the chats they take over, so the chats the bot drops wait in line instead of joining theirs.
        await add_agent(pg_backend.database_url, f"agent{i}@shop.test", max_chats=CHATS_PER_AGENT)
        agents.append(await AgentClient.login(node.base_url, f"agent{i}@shop.test"))
    await add_agent(pg_backend.database_url, "sue@shop.test", role="supervisor")
    console = await AgentClient.login(node.base_url, "sue@shop.test", online=False)  # watches the bot chats, takes none

    # Everyone starts with the bot; the agents then take some chats over from the "with the bot" list.
    visitors = [await Visitor.start(node.base_url) for _ in range(BOT_CHATS + AGENTS * CHATS_PER_AGENT)]
    firsts = [await visitor.say("hi") for visitor in visitors]
    for visitor, first in zip(visitors, firsts):
        await visitor.wait_for_reply_after(first["seq"], sender="bot", timeout=60)
    chats = {first["conversation_id"]: visitor for first, visitor in zip(firsts, visitors)}
    bot_chats = [first["conversation_id"] for first in firsts[:BOT_CHATS]]
    human_chats = {first["conversation_id"]: agents[i % AGENTS] for i, first in enumerate(firsts[BOT_CHATS:])}
    history: dict[str, list[dict]] = {}  # what each conversation's agent or console had when it started watching
    for conv, agent in human_chats.items():
        await agent.ok("claim", {"conversation_id": conv})
        history[conv] = (await agent.ok("watch", {"conversation_id": conv}))["messages"]
        visitor = chats[conv]
        await visitor.wait_for(lambda v=visitor: v.states and v.states[-1]["state"] == "assigned", what="the takeover")
    for conv in bot_chats:
        history[conv] = (await console.ok("watch", {"conversation_id": conv}))["messages"]
    states_after_takeover = {conv: len(chats[conv].states) for conv in human_chats}

    sides = {conv: [Side(f"visitor of {conv[:8]}")] for conv in chats}
    for conv in human_chats:
        sides[conv].append(Side(f"agent of {conv[:8]}"))
    for conv in bot_chats:
        sides[conv].append(Side(f"console on {conv[:8]}"))
    phase = {"now": "up"}
    acked_in: Counter[tuple[str, str]] = Counter()  # (side, phase) -> messages acknowledged
    attempts: Counter[str] = Counter()
    finished = asyncio.Event()

    async def writes(conv: str, side: Side, call, prefix: str, lines: tuple[str, ...]) -> None:
        async def counted(event, data, timeout):
            attempts[side.name] += 1
            return await call(event, data, timeout=timeout)

        n = 0
        while not finished.is_set():
            client_id = f"{prefix}-{conv[:8]}-{n}"
            message = await send_until_acked(counted, None, {"client_id": client_id, "text": lines[n % len(lines)], "conversation_id": conv})
            side.ack(client_id, message)
            acked_in[side.name, phase["now"]] += 1
            n += 1
            await asyncio.sleep(SEND_INTERVAL_S)

    def visitor_call(visitor: Visitor):
        return lambda e, d, timeout: visitor.client.call(e, d, namespace="/visitor", timeout=timeout)

    def agent_call(agent: AgentClient):
        return lambda e, d, timeout: agent.client.call(e, d, namespace="/agent", timeout=timeout)

    async def heartbeats(agent: AgentClient) -> None:
        while not finished.is_set():
            await agent.ok("presence", {"status": "online"})  # as the console does
            await asyncio.sleep(5)

    failed_before: list[float] = []

    async def outage() -> None:
        try:
            await asyncio.sleep(3)
            assert not any(_told_unavailable(chats[conv]) for conv in bot_chats), "a bot chat went to people before Rasa stopped"
            failed_before.append(_failed_turns(node))
            phase["now"] = "down"
            await asyncio.to_thread(stack.stop, processes[0])
            # Rasa stays down until each bot chat has had a turn fail, so every one is tested on a dead Rasa; each
            # visitor writes every SEND_INTERVAL_S and is told within the bot timeout.
            for conv in bot_chats:
                await chats[conv].wait_for(lambda v=chats[conv]: _told_unavailable(v), timeout=RASA_TIMEOUT_S + 5,
                                           what="the bot-unavailable notice")
            assert processes[0].poll() is not None
            processes.append(stack.start_rasa_server(config))  # same model, same port
            await stack.wait_for_rasa(config.rasa_url, process=processes[-1])
            phase["now"] = "back"
            await asyncio.sleep(3)
        finally:
            finished.set()

    await asyncio.gather(
        outage(), *(heartbeats(agent) for agent in agents),
        *(writes(conv, sides[conv][0], visitor_call(chats[conv]), "v", BOT_LINES) for conv in bot_chats),
        *(writes(conv, sides[conv][0], visitor_call(chats[conv]), "v", ("visitor says",)) for conv in human_chats),
        *(writes(conv, sides[conv][1], agent_call(agent), "a", ("agent says",)) for conv, agent in human_chats.items()),
    )

    # Everyone kept writing before, during and after the outage, and every message was taken at the first try.
    writers = [side for conv in chats for side in sides[conv] if side.acked]
    assert all(acked_in[side.name, p] for side in writers for p in ("up", "down", "back")), acked_in
    assert all(attempts[side.name] == len(side.acked) for side in writers), attempts
    # Each bot chat had exactly one turn fail, and no turn had failed before Rasa stopped.
    assert failed_before == [0] and _failed_turns(node) == BOT_CHATS

    # After Rasa is back, a new conversation is the bot's again.
    newcomer = await Visitor.start(node.base_url)
    question = await newcomer.say("where is my order 1003?")
    answer = await newcomer.wait_for_reply_after(question["seq"], sender="bot", timeout=60)
    assert "1003" in answer["text"]
    chats[question["conversation_id"]] = newcomer
    sides[question["conversation_id"]] = [Side("newcomer", acked={question["client_id"]: question["seq"]})]

    stored = await stored_messages(pg_backend.database_url, [uuid.UUID(conv) for conv in chats])

    def received(conv: str) -> list[list[dict]]:
        visitor_saw = [m for m in chats[conv].received if m["conversation_id"] == conv]
        watcher = human_chats.get(conv) or (console if conv in bot_chats else None)
        if watcher is None:
            return [visitor_saw]
        return [visitor_saw, history[conv] + [m for m in watcher.of("message") if m["conversation_id"] == conv]]

    await _settle(lambda: all({m["seq"] for m in stored[conv]} <= {m["seq"] for m in seen}
                              for conv in chats for seen in received(conv)))
    for conv in chats:
        for side, seen in zip(sides[conv], received(conv)):
            for message in seen:
                side.saw(message)
    check_conversations(stored, sides)

    for conv in bot_chats:  # told, queued for a person (and their place in line), and the bot stayed out afterwards
        row, rows = await _stored(pg_backend, conv)
        assert row.state is ConversationState.QUEUED and row.handoff_reason == "bot_unavailable"
        system = [m for m in rows if m.sender_kind.value == "system"]
        assert [(m.payload["type"], m.text.startswith(UNAVAILABLE)) for m in system] == [("queued", True)]
        bot_said = [m.seq for m in rows if m.sender_kind.value == "bot"]
        assert bot_said and max(bot_said) < system[0].seq
        assert chats[conv].states[-1]["state"] == "queued"
        assert chats[conv].queue and chats[conv].queue[-1]["agents_online"] == AGENTS
    for conv, agent in human_chats.items():  # nothing but the visitor and the agent, the same agent, no state change
        row, rows = await _stored(pg_backend, conv)
        assert row.state is ConversationState.ASSIGNED and str(row.assignee_id) == agent.id
        joined = next(m.seq for m in rows if (m.payload or {}).get("type") == "agent_joined")
        written = {seq for side in sides[conv] for seq in side.acked.values()}
        assert {m.seq for m in rows if m.seq > joined} == written
        assert len(chats[conv].states) == states_after_takeover[conv]
    row, rows = await _stored(pg_backend, question["conversation_id"])
    assert row.state is ConversationState.BOT

    for client in [*visitors, newcomer, *agents, console]:
        await client.disconnect()
