"""Group commit: messages sent together by many visitors and agents are stored once each, gap-free per
conversation, each acknowledged only after its commit; a refused message does not sink its batch; and
while the database is stuck, what waits is bounded: past the bound new messages are refused at once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid

import asyncpg
from sqlalchemy import select, text

from livechat.db.models import Conversation, ConversationState, Message
from livechat.db.types import utcnow
from tests.support.agent import AgentClient, add_agent
from tests.support.backends import session_at
from tests.support.visitor import Visitor


async def _stored(database_url: str) -> list[Message]:
    async with session_at(database_url) as session:
        return list(await session.scalars(select(Message).order_by(Message.conversation_id, Message.seq)))


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


async def test_a_resend_after_the_ack_gets_the_stored_message_while_new_ones_in_its_batch_are_stored(backend, make_node):
    # The client lost the acks of messages already stored and sends them again, together with new ones.
    node = await make_node(backend)
    visitors = [await Visitor.start(node.base_url) for _ in range(3)]
    firsts = [await v.call("message", {"client_id": f"first-{i}", "text": "hello"}) for i, v in enumerate(visitors)]
    assert all(a["ok"] for a in firsts)
    sends = []
    for i, visitor in enumerate(visitors):
        sends += [visitor.call("message", {"client_id": f"first-{i}", "text": "hello"}),
                  visitor.call("message", {"client_id": f"second-{i}", "text": "are you there?"})]
    acks = await asyncio.gather(*sends)
    assert all(a["ok"] for a in acks)
    for i, first in enumerate(firsts):
        resent, second = acks[2 * i], acks[2 * i + 1]
        assert resent["message"]["seq"] == first["message"]["seq"] and resent["message"]["text"] == "hello"
        assert second["message"]["seq"] > first["message"]["seq"] and second["message"]["text"] == "are you there?"

    stored = await _stored(backend.database_url)
    by_conv: dict[uuid.UUID, list[Message]] = {}
    for m in stored:
        by_conv.setdefault(m.conversation_id, []).append(m)
    for rows in by_conv.values():
        assert [m.seq for m in rows] == list(range(1, len(rows) + 1))
    visitor_lines = [m.client_id for m in stored if m.sender_kind.value == "visitor"]
    assert sorted(visitor_lines) == sorted([f"first-{i}" for i in range(3)] + [f"second-{i}" for i in range(3)])


async def _conversation_state(database_url: str, conversation_id: str) -> str:
    async with session_at(database_url) as session:
        return (await session.get(Conversation, uuid.UUID(conversation_id))).state.value


async def _close_elsewhere(database_url: str, conversation_id: str) -> None:
    """Close the conversation in a transaction of its own, adding no message, as another node's tool might."""
    async with session_at(database_url) as session, session.begin():
        conv = await session.get(Conversation, uuid.UUID(conversation_id), with_for_update=True)
        conv.state, conv.closed_at, conv.resolution = ConversationState.CLOSED, utcnow(), "resolved"


async def _assigned_chat(backend, visitor_node, agent_node) -> tuple[Visitor, AgentClient, str]:
    """A visitor on one node whose chat an agent on another (or the same) node has been assigned."""
    await add_agent(backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(agent_node.base_url, "ann@shop.test")
    visitor = await Visitor.start(visitor_node.base_url)
    conversation_id = (await visitor.say("hello"))["conversation_id"]
    assert await ann.wait_for_assignment() == conversation_id
    return visitor, ann, conversation_id


async def test_a_conversation_changed_after_the_writer_last_wrote_it_is_not_written_as_it_was(pg_backend, make_node):
    # On PostgreSQL the writer remembers each conversation as it last wrote it and writes the next batch without
    # the lock while the row is unchanged. Here the row changes in between without a message (whose number
    # the next batch would otherwise collide with).
    node = await make_node(pg_backend)
    visitor, _ann, conversation_id = await _assigned_chat(pg_backend, node, node)
    for n in range(3):  # stored under the lock, then as remembered
        assert (await visitor.call("message", {"client_id": f"m{n}", "text": f"still there? {n}"}))["ok"]
    await _close_elsewhere(pg_backend.database_url, conversation_id)

    after = await visitor.call("message", {"client_id": "after-close", "text": "one more question"})
    assert after["ok"]
    # The visitor's message reopened the conversation (or began another): it was not stored into the closed one.
    assert await _conversation_state(pg_backend.database_url, after["message"]["conversation_id"]) != "closed"
    stored = await _stored(pg_backend.database_url)
    rows = [m for m in stored if str(m.conversation_id) == after["message"]["conversation_id"]]
    assert [m.seq for m in rows] == list(range(1, len(rows) + 1))


async def test_one_conversation_written_through_two_nodes_in_turn_stays_gap_free(pg_backend, make_node):
    node_1 = await make_node(pg_backend)
    node_2 = await make_node(pg_backend)
    visitor, ann, conversation_id = await _assigned_chat(pg_backend, node_1, node_2)
    seqs = []
    for n in range(6):  # each node's remembered row is out of date at every turn
        seqs.append((await visitor.call("message", {"client_id": f"v{n}", "text": f"question {n}"}))["message"]["seq"])
        seqs.append((await ann.ok("message", {"conversation_id": conversation_id, "client_id": f"a{n}", "text": f"answer {n}"}))["message"]["seq"])
    assert seqs == list(range(seqs[0], seqs[0] + 12))
    stored = [m for m in await _stored(pg_backend.database_url) if str(m.conversation_id) == conversation_id]
    assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
    assert [m.text for m in stored if m.client_id and m.client_id[0] in "va"] == [
        text for n in range(6) for text in (f"question {n}", f"answer {n}")]


async def test_a_batch_whose_held_connection_died_is_written_under_the_lock_once(pg_backend, make_node):
    # The writer keeps a connection checked out for the batches it writes as one statement, and it is not
    # pinged before use; here the database drops it (as an idle timeout or a proxy might) and nothing else.
    node = await make_node(pg_backend)
    visitor, _ann, conversation_id = await _assigned_chat(pg_backend, node, node)
    for n in range(3):
        assert (await visitor.call("message", {"client_id": f"m{n}", "text": f"before {n}"}))["ok"]
    async with session_at(pg_backend.database_url) as session:
        dropped = (await session.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE '%conversations.xmin = u.version%' AND pid <> pg_backend_pid()"
        ))).scalar_one()
    assert dropped >= 1

    # Acknowledged at the first try, stored once.
    after = await visitor.call("message", {"client_id": "after-drop", "text": "are you still there?"})
    assert after["ok"], after
    stored = [m for m in await _stored(pg_backend.database_url) if str(m.conversation_id) == conversation_id]
    assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
    assert [m.client_id for m in stored].count("after-drop") == 1
    # And the next is written as one statement again, on a new connection.
    assert (await visitor.call("message", {"client_id": "later", "text": "thanks"}))["ok"]


async def test_a_batch_that_deadlocks_without_the_lock_is_written_under_it(pg_backend, make_node):
    # The one-statement batch locks its conversations in whatever order its plan visits them, so another
    # transaction taking them in another order can deadlock it; PostgreSQL then cancels one of the two.
    # Here that is made certain: another transaction holds the message number the batch will give, and asks
    # for the conversation's row lock once the batch (holding it) waits for that number.
    node = await make_node(pg_backend)
    visitor, _ann, conversation_id = await _assigned_chat(pg_backend, node, node)
    assert (await visitor.call("message", {"client_id": "first", "text": "before"}))["ok"]  # remembered now
    dsn = pg_backend.database_url.replace("postgresql+asyncpg://", "postgresql://")
    other = await asyncpg.connect(dsn)
    watcher = await asyncpg.connect(dsn)
    try:
        transaction = other.transaction()
        await transaction.start()
        last_seq = await other.fetchval("SELECT last_seq FROM conversations WHERE id = $1", uuid.UUID(conversation_id))
        await other.execute(
            "INSERT INTO messages (conversation_id, seq, sender_kind, client_id, text, created_at) "
            "VALUES ($1, $2, 'agent', 'elsewhere', 'held', now())", uuid.UUID(conversation_id), last_seq + 1)
        sent = asyncio.create_task(visitor.call("message", {"client_id": "deadlocked", "text": "are you there?"}))
        async with asyncio.timeout(10):  # until the batch waits for the number the other transaction holds
            while not await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%conversations.xmin = u.version%'"
            ):
                await asyncio.sleep(0.02)
        await other.execute("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", uuid.UUID(conversation_id))
        await transaction.rollback()  # the other transaction got the lock: the batch was the one cancelled

        ack = await sent
        assert ack["ok"], ack
        stored = [m for m in await _stored(pg_backend.database_url) if str(m.conversation_id) == conversation_id]
        assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
        assert [m.client_id for m in stored].count("deadlocked") == 1
        assert ack["message"]["seq"] == last_seq + 1
    finally:
        await other.close()
        await watcher.close()


async def test_past_its_bound_the_writer_refuses_new_messages_at_once_and_keeps_the_waiting_ones(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, writer_max_waiting=3, language_detection="off")
    visitors = [await Visitor.start(node.base_url) for _ in range(5)]
    convs = [(await v.say("hello"))["conversation_id"] for v in visitors]

    # Another connection holds SQLite's write lock: the writer's transactions wait for it, as on a stuck database.
    lock = sqlite3.connect(sqlite_backend.database_url.split(":///", 1)[1], timeout=30, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(lock.execute, "BEGIN IMMEDIATE")
    try:
        def send(i: int, client_id: str):
            body = {"client_id": client_id, "text": f"message {client_id}", "conversation_id": convs[i]}
            return asyncio.create_task(visitors[i].call("message", body, timeout=30))

        started = time.monotonic()
        sends = {i: send(i, f"m{i}") for i in range(5)}
        while sum(t.done() for t in sends.values()) < 2 and time.monotonic() - started < 5:
            await asyncio.sleep(0.01)
        refused = {i for i, t in sends.items() if t.done()}
        assert len(refused) == 2 and time.monotonic() - started < 2, "two past the bound of three, refused at once"
        for i in refused:
            ack = sends[i].result()
            assert not ack["ok"] and ack["error"]["code"] == "busy" and ack["error"]["retry_after_s"] >= 1, ack
        waiting = sorted(set(sends) - refused)
        # Still full: a new message is refused too, while a resend of a waiting one joins it instead.
        assert (await send(min(refused), "new"))["error"]["code"] == "busy"
        resend = send(waiting[0], f"m{waiting[0]}")
        await asyncio.sleep(0.3)
        assert not resend.done() and not any(sends[i].done() for i in waiting), "the waiting ones wait, none dropped"
    finally:
        await asyncio.to_thread(lock.execute, "ROLLBACK")
        lock.close()

    acks = {i: await sends[i] for i in waiting}
    assert all(a["ok"] for a in acks.values()), acks
    assert (await resend)["message"]["seq"] == acks[waiting[0]]["message"]["seq"]
    for i in refused:  # the clients retry the refused ones by client id, now that the database answers
        ack = await send(i, f"m{i}")
        assert ack["ok"], ack

    stored = await _stored(sqlite_backend.database_url)
    client_ids = [m.client_id for m in stored if m.client_id and m.client_id.startswith("m")]
    assert sorted(client_ids) == [f"m{i}" for i in range(5)]
    assert not any(m.client_id == "new" for m in stored)
