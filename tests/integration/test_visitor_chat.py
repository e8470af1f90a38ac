"""Chat flows through a real server node, real socket.io clients and the real Rasa bot,
on SQLite, on PostgreSQL, and on PostgreSQL with two nodes joined by Redis."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Message, Order
from tests.support.orders import own_order
from tests.support.visitor import Visitor

TRACKING = "JD014600006281230002"  # order 1002 of the demo seed, shipped with DHL

pytestmark = pytest.mark.rasa


@pytest.fixture
async def node(backend, make_node, rasa):
    return await make_node(backend, rasa_url=rasa.rasa_url)


async def _db(backend):
    engine = create_engine(backend.database_url)
    return engine, create_session_factory(engine)


async def test_order_status_is_answered_from_the_database(backend, node):
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("where is my order 1002?")
    reply = await visitor.wait_for_reply_after(sent["seq"])
    assert "1002" in reply["text"] and "shipped" in reply["text"].lower(), reply

    # Change the order in the shop's database: the bot's next answer follows it.
    engine, sessions = await _db(backend)
    async with sessions() as session, session.begin():
        await session.execute(update(Order).where(Order.number == "1002").values(status="delivered"))
    await engine.dispose()
    sent = await visitor.say("and what's the status of order 1002 now?")
    reply = await visitor.wait_for_reply_after(sent["seq"])
    assert "1002" in reply["text"] and "delivered" in reply["text"].lower(), reply
    await visitor.disconnect()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_only_the_orders_customer_hears_its_tracking_number(backend, node):
    async def stranger_hears(hint: str) -> None:
        stranger = await Visitor.start(node.base_url)
        await stranger.say("where is my order 1002?")
        await stranger.wait_for(lambda: any(hint in (m["text"] or "") for m in stranger.bot_messages()), what="where to get the details")
        told = " ".join(m["text"] or "" for m in stranger.bot_messages())
        assert "1002" in told and "shipped" in told and "DHL" not in told and TRACKING not in told, told

    # A guest order (no customer account): its confirmation email has the details.
    await stranger_hears("confirmation email")
    owner = await Visitor.start(node.base_url)
    await own_order(backend.database_url, owner, "1002")
    # Now its customer's: they see it signed in.
    await stranger_hears("sign in")
    sent = await owner.say("where is my order 1002?")
    reply = await owner.wait_for_reply_after(sent["seq"])
    assert "DHL" in reply["text"] and TRACKING in reply["text"], reply
    # A later turn's answer comes after everything of this one: no hint to sign in was among it.
    thanks = await owner.say("thanks")
    await owner.wait_for_reply_after(thanks["seq"])
    assert not any("sign in" in (m["text"] or "") for m in owner.bot_messages()), owner.bot_messages()


async def test_greeting_offers_quick_replies_that_work(node):
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("hello")
    greeting = await visitor.wait_for_reply_after(sent["seq"])
    await visitor.wait_for(lambda: any(m.get("payload") for m in visitor.bot_messages()), what="buttons")
    buttons = next(m["payload"]["buttons"] for m in visitor.bot_messages() if m.get("payload"))
    shipping = next(b for b in buttons if "ship" in b["payload"].lower())
    sent = await visitor.say(shipping["title"], quick_reply=shipping["payload"])
    assert sent["payload"] == {"type": "quick_reply", "payload": shipping["payload"]}
    answer = await visitor.wait_for_reply_after(sent["seq"])
    assert "ship" in answer["text"].lower() or "deliver" in answer["text"].lower(), answer
    assert greeting["seq"] < answer["seq"]
    await visitor.disconnect()


async def test_reconnect_replays_exactly_the_missed_messages(node):
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("hi")
    await visitor.wait_for_reply_after(sent["seq"])
    await asyncio.sleep(0.3)  # let every greeting message arrive
    seen = max(m["seq"] for m in visitor.received)
    await visitor.disconnect()

    # While this tab is offline, another tab of the same visitor keeps chatting.
    other_tab = await Visitor.start(node.base_url, token=visitor.token)
    sent = await other_tab.say("where is my order 1003?")
    await other_tab.wait_for_reply_after(sent["seq"])
    await asyncio.sleep(0.3)
    missed_expected = [m for m in other_tab.received if m["seq"] > seen]
    await other_tab.disconnect()

    await visitor.connect()
    ack = await visitor.call("sync", {"after_seq": seen})
    assert ack["ok"]
    replayed = ack["messages"]
    assert [m["seq"] for m in replayed] == list(range(seen + 1, seen + 1 + len(replayed)))
    assert [(m["seq"], m["sender"], m["text"]) for m in replayed] == [
        (m["seq"], m["sender"], m["text"]) for m in missed_expected
    ]
    assert replayed[0]["sender"] == "visitor" and replayed[0]["text"] == "where is my order 1003?"
    await visitor.disconnect()


async def test_a_repeated_client_id_is_stored_once(backend, node):
    visitor = await Visitor.start(node.base_url)
    body = {"client_id": "retry-me-1", "text": "what payment methods do you accept?"}
    acks = await asyncio.gather(*(visitor.call("message", body) for _ in range(5)))
    assert all(a["ok"] for a in acks)
    assert len({a["message"]["seq"] for a in acks}) == 1
    first_seq = acks[0]["message"]["seq"]
    await visitor.wait_for_reply_after(first_seq)
    await asyncio.sleep(1.0)  # a duplicate bot turn would show up by now
    again = await visitor.call("message", body)
    assert again["message"]["seq"] == first_seq

    engine, sessions = await _db(backend)
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(Message).where(Message.client_id == "retry-me-1"))
        visitor_rows = await session.scalar(select(func.count()).select_from(Message).where(Message.sender_kind == "visitor"))
    await engine.dispose()
    assert stored == 1 and visitor_rows == 1
    # The bot answered the message once: one batch of replies, not five.
    bot_seqs = [m["seq"] for m in visitor.bot_messages()]
    assert bot_seqs == list(range(first_seq + 1, first_seq + 1 + len(bot_seqs)))
    await visitor.disconnect()


async def test_visitors_never_see_or_touch_each_others_conversations(node):
    alice = await Visitor.start(node.base_url)
    bob = await Visitor.start(node.base_url)
    bob_msg = await bob.say("my secret order is 1004, where is it?")
    await bob.wait_for_reply_after(bob_msg["seq"])
    bob_conversation = bob_msg["conversation_id"]
    alice_msg = await alice.say("hi there")
    await alice.wait_for_reply_after(alice_msg["seq"])
    await asyncio.sleep(0.3)

    assert all(m["conversation_id"] == alice_msg["conversation_id"] for m in alice.received)
    assert not any("secret" in (m["text"] or "") for m in alice.received)

    # Naming Bob's conversation gets Alice nothing.
    stolen = await alice.call("sync", {"after_seq": 0, "conversation_id": bob_conversation})
    assert stolen == {"ok": False, "error": {"code": "forbidden", "message": "That conversation is not yours."}}
    injected = await alice.call("message", {"client_id": "x1", "text": "injected", "conversation_id": bob_conversation})
    assert injected["ok"] is False and injected["error"]["code"] == "forbidden"
    await asyncio.sleep(0.3)
    assert not any(m["text"] == "injected" for m in bob.received)
    # Nor does replaying the client id of one of Bob's messages: no copy of his message comes back.
    replayed = await alice.call("message", {"client_id": bob_msg["client_id"], "text": "x", "conversation_id": bob_conversation})
    assert replayed["ok"] is False and replayed["error"]["code"] == "forbidden"
    assert "secret" not in str(replayed)

    # Bob's visitor id with a token signed by someone else does not connect.
    import socketio

    from livechat.tokens import issue_visitor_token

    forged, _ = issue_visitor_token(__import__("uuid").UUID(bob.visitor_id), key="guessed-key" * 5, ttl_s=600)
    intruder = socketio.AsyncClient(reconnection=False)
    refusals: list = []
    intruder.on("connect_error", refusals.append, namespace="/visitor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await intruder.connect(node.base_url, namespaces=["/visitor"], auth={"token": forged}, transports=["websocket"])
    # The widget reads the reason from the error's data.
    assert refusals[0]["data"]["code"] == "unauthorized"
    no_token = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await no_token.connect(node.base_url, namespaces=["/visitor"], transports=["websocket"])
    await alice.disconnect()
    await bob.disconnect()


async def test_two_nodes_over_redis_deliver_to_every_tab(pg_url, make_node, rasa, tmp_path, request):
    from tests.fixtures import _prepare_backend

    backend = await _prepare_backend("postgres+redis", tmp_path, request)
    node1 = await make_node(backend, rasa_url=rasa.rasa_url)
    node2 = await make_node(backend, rasa_url=rasa.rasa_url)
    tab1 = await Visitor.start(node1.base_url)
    tab2 = await Visitor.start(node2.base_url, token=tab1.token)
    assert tab2.visitor_id == tab1.visitor_id

    # Asked on node 1, answered by the bot via node 1: the tab on node 2 sees both, through Redis.
    sent = await tab1.say("where is my order 1001?")
    reply = await tab2.wait_for_reply_after(sent["seq"] - 1, sender="visitor")
    assert reply["text"] == "where is my order 1001?"
    answer = await tab2.wait_for_reply_after(sent["seq"], sender="bot")
    assert "1001" in answer["text"] and "deliver" in answer["text"].lower()
    await tab1.disconnect()
    await tab2.disconnect()


async def test_each_message_reaches_the_visitors_other_tabs_but_not_the_tab_that_sent_it(node):
    tab1 = await Visitor.start(node.base_url)
    tab2 = await Visitor.start(node.base_url, token=tab1.token)
    first = await tab1.say("hi")  # starts the conversation
    second = await tab1.say("what payment methods do you accept?")  # in the conversation this tab knows
    from_tab2 = await tab2.say("and do you ship abroad?")  # tab 2's first message, in the same conversation
    assert first["conversation_id"] == second["conversation_id"] == from_tab2["conversation_id"]

    def visitor_events(tab: Visitor) -> list[str]:
        return [m["text"] for m in tab.events if m["sender"] == "visitor"]

    await tab2.wait_for(lambda: len(visitor_events(tab2)) == 2, what="tab 1's two messages on tab 2")
    await tab1.wait_for(lambda: len(visitor_events(tab1)) == 1, what="tab 2's message on tab 1")
    await asyncio.sleep(0.5)  # an echo to the sender would have arrived by now
    assert visitor_events(tab1) == ["and do you ship abroad?"]
    assert visitor_events(tab2) == ["hi", "what payment methods do you accept?"]
    # Each tab shows all three, its own from the acks.
    for tab in (tab1, tab2):
        assert sorted(m["seq"] for m in tab.received if m["sender"] == "visitor") == [first["seq"], second["seq"], from_tab2["seq"]]
    await tab1.disconnect()
    await tab2.disconnect()
