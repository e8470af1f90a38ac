"""Handoff with the real bot: a person takes over without the visitor repeating anything, Rasa is paused
while they are on, and the bot carries on with the conversation's context when they hand back."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.support.agent import AgentClient, add_agent
from tests.support.orders import own_order
from tests.support.visitor import Visitor

pytestmark = pytest.mark.rasa


async def rasa_tracker(rasa_url: str, conversation_id: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{rasa_url}/conversations/{conversation_id}/tracker") as response:
            assert response.status == 200
            return await response.json()


async def wait_paused(rasa_url: str, conversation_id: str, paused: bool) -> dict:
    for _ in range(100):
        tracker = await rasa_tracker(rasa_url, conversation_id)
        if tracker.get("paused") is paused:
            return tracker
        await asyncio.sleep(0.1)
    raise AssertionError(f"rasa conversation never became paused={paused}")


async def recognized(database_url: str, conversation_id: str) -> list[dict]:
    import uuid

    from sqlalchemy import select

    from livechat.db.engine import create_engine, create_session_factory
    from livechat.db.models import InteractionEvent

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.scalars(select(InteractionEvent).where(
                InteractionEvent.conversation_id == uuid.UUID(conversation_id), InteractionEvent.type == "bot.intent").order_by(InteractionEvent.id))
            return [r.data for r in rows]
    finally:
        await engine.dispose()


async def profile_of(database_url: str, subject_id: str) -> dict:
    import uuid

    from livechat.db.engine import create_engine, create_session_factory
    from livechat.db.models import Profile

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return (await session.get(Profile, uuid.UUID(subject_id))).state
    finally:
        await engine.dispose()


def system(visitor: Visitor, kind: str) -> list[dict]:
    return [m for m in visitor.received if m["sender"] == "system" and (m["payload"] or {}).get("type") == kind]


@pytest.mark.parametrize("backend", ["sqlite", "postgres+redis"], indirect=True)
async def test_request_for_a_person_then_handback_keeps_the_context(backend, make_node, rasa):
    node = await make_node(backend, rasa_url=rasa.rasa_url)
    await add_agent(backend.database_url, "anna@shop.test", name="Anna")
    anna = await AgentClient.login(node.base_url, "anna@shop.test")
    visitor = await Visitor.start(node.base_url)
    # The bot tells an order's tracking number only to its customer.
    customer_id = await own_order(backend.database_url, visitor, "1002")

    asked = await visitor.say("where is my order 1002?")
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert "1002" in answer["text"] and "DHL" in answer["text"]
    conv = asked["conversation_id"]

    wants_person = await visitor.say("I want to talk to a human")
    handoff = await visitor.wait_for_reply_after(wants_person["seq"])
    assert "connecting you with a person" in handoff["text"]
    assert await anna.wait_for_assignment() == conv
    await wait_paused(rasa.rasa_url, conv, True)
    await visitor.wait_for(lambda: visitor.states and visitor.states[-1]["agent"] == {"name": "Anna"}, what="Anna assigned")

    # Anna sees the whole history, the bot part included, and the visitor does not repeat anything.
    watched = await anna.ok("watch", {"conversation_id": conv})
    texts = [m["text"] for m in watched["messages"]]
    assert "where is my order 1002?" in texts and answer["text"] in texts
    assert watched["conversation"]["handoff_reason"] == "visitor_request"

    # Both chat, with typing shown both ways; the bot stays silent while a person is on.
    await visitor.call("typing", {"typing": True})
    await anna.wait_for(lambda: [t for t in anna.of("typing") if t["sender"] == "visitor" and t["typing"]], what="visitor typing")
    question = await visitor.say("can you change the delivery address?")
    await anna.wait_for(lambda: [m for m in anna.of("message") if m["seq"] == question["seq"]], what="visitor message")
    await anna.ok("typing", {"conversation_id": conv, "typing": True})
    typing = await visitor.wait_for(lambda: [t for t in visitor.typing if t["sender"] == "agent"], what="agent typing")
    assert typing[0]["name"] == "Anna"
    reply = await anna.say(conv, "Done: order 1002 now goes to your new address.")
    got = await visitor.wait_for_reply_after(question["seq"], sender="agent")
    assert got["text"] == reply["text"]
    await asyncio.sleep(1.0)
    joined = system(visitor, "agent_joined")[0]
    assert not [m for m in visitor.received if m["sender"] == "bot" and m["seq"] > joined["seq"]]

    # Read receipts both ways.
    await visitor.call("read", {"seq": reply["seq"]})
    await anna.wait_for(lambda: [r for r in anna.of("read") if r["reader"] == "visitor" and r["seq"] == reply["seq"]], what="visitor read")
    assert [r for r in visitor.reads if r["reader"] == "agent" and r["seq"] >= question["seq"]]

    # Handback: the bot resumes and says it knows what happened, without starting over.
    await anna.ok("handback", {"conversation_id": conv, "resolution": "address_changed"})
    back = await visitor.wait_for(
        lambda: [m for m in visitor.received if m["sender"] == "bot" and "I'm back" in (m["text"] or "")], what="bot back")
    assert "order 1002" in back[0]["text"] and "address changed" in back[0]["text"]
    await wait_paused(rasa.rasa_url, conv, False)
    follow_up = await visitor.say("where is my order?")
    status = await visitor.wait_for_reply_after(follow_up["seq"])
    assert "1002" in status["text"], "the bot asked again for the order number it already had"

    # What the bot understood lands in the interaction log and the profile (the customer's: the visitor identified).
    intents = await recognized(backend.database_url, conv)
    assert intents[0]["intent"] == "order_status" and {"entity": "order_number", "value": "1002"} in intents[0]["entities"]
    assert [i["intent"] for i in intents].count("order_status") == 2 and "human_handoff" in [i["intent"] for i in intents]
    profile = await profile_of(backend.database_url, customer_id)
    assert profile["tally"]["intents"]["order_status"] == 2


async def test_complaints_go_to_the_support_team_and_agents_can_take_over_from_the_bot(pg_backend, make_node, rasa):
    node = await make_node(pg_backend, rasa_url=rasa.rasa_url, handoff_teams={"complaint": "support"})
    await add_agent(pg_backend.database_url, "sales@shop.test", teams=["sales"])
    await add_agent(pg_backend.database_url, "sam@shop.test", teams=["support"])
    sales = await AgentClient.login(node.base_url, "sales@shop.test")
    sam = await AgentClient.login(node.base_url, "sam@shop.test")

    unhappy = await Visitor.start(node.base_url)
    sent = await unhappy.say("this is unacceptable, my package arrived broken and I am very angry")
    await unhappy.wait_for_reply_after(sent["seq"])
    assert await sam.wait_for_assignment() == sent["conversation_id"]
    assert not [n for n in sales.of("notification") if n.get("kind") == "assigned"]

    # The bot is on another chat; Sales sees it in the live list and takes over.
    browsing = await Visitor.start(node.base_url)
    hi = await browsing.say("hi")
    await browsing.wait_for_reply_after(hi["seq"])
    status, listed = await sales.rest("GET", "/api/agent/conversations?view=bot")
    assert hi["conversation_id"] in [c["id"] for c in listed["conversations"]]
    taken = await sales.ok("claim", {"conversation_id": hi["conversation_id"]})
    assert taken["conversation"]["state"] == "assigned" and taken["conversation"]["handoff_reason"] == "taken_over"
    await wait_paused(rasa.rasa_url, hi["conversation_id"], True)
    later = await browsing.say("is the wool scarf in stock?")
    await asyncio.sleep(1.0)
    assert not [m for m in browsing.received if m["sender"] == "bot" and m["seq"] > later["seq"]]


async def test_two_fallbacks_in_a_row_hand_over(sqlite_backend, make_node, rasa):
    node = await make_node(sqlite_backend, rasa_url=rasa.rasa_url)
    visitor = await Visitor.start(node.base_url)
    first = await visitor.say("xqzt vrrblk plonq")
    reply = await visitor.wait_for_reply_after(first["seq"])
    assert "rephrase" in reply["text"]
    second = await visitor.say("zzkv gromph trelk")
    await visitor.wait_for_reply_after(second["seq"])
    await visitor.wait_for(lambda: visitor.states and visitor.states[-1]["state"] == "queued", what="queued after two fallbacks")


async def test_vip_customers_go_straight_to_a_person_and_a_closed_chat_reopens_with_the_bot(pg_backend, make_node, rasa):
    import uuid

    from livechat.db.engine import create_engine, create_session_factory
    from livechat.db.models import Customer, SegmentMembership, Visitor as VisitorRow

    node = await make_node(pg_backend, rasa_url=rasa.rasa_url)
    await add_agent(pg_backend.database_url, "anna@shop.test", name="Anna")
    anna = await AgentClient.login(node.base_url, "anna@shop.test")
    vip = await Visitor.start(node.base_url)
    engine = create_engine(pg_backend.database_url)
    async with create_session_factory(engine)() as session, session.begin():
        customer = Customer()
        session.add(customer)
        await session.flush()
        session.add(SegmentMembership(subject_id=customer.id, segment="vip"))
        (await session.get(VisitorRow, uuid.UUID(vip.visitor_id))).customer_id = customer.id
    await engine.dispose()

    hello = await vip.say("hello, a question about my order")
    assert await anna.wait_for_assignment() == hello["conversation_id"]
    assert not [m for m in vip.received if m["sender"] == "bot"]
    await anna.ok("close", {"conversation_id": hello["conversation_id"], "resolution": "resolved"})
    await vip.wait_for(lambda: system(vip, "closed"), what="closed notice")

    # Writing again after the close reopens the same conversation, with the bot.
    again = await vip.say("what payment methods do you accept?")
    assert again["conversation_id"] == hello["conversation_id"]
    answer = await vip.wait_for_reply_after(again["seq"])
    assert "PayPal" in answer["text"]
