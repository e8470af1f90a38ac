"""Profiles stay current as visitors chat, track, identify and rate, and rebuilding them from the event
log gives exactly the same result."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Profile
from livechat.profile_store import rebuild
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor
from tests.support.waiting import eventually


async def _profiles(database_url: str) -> dict[uuid.UUID, tuple[str, dict]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return {p.subject_id: (p.subject_kind, p.state) for p in await session.scalars(select(Profile))}
    finally:
        await engine.dispose()


async def _rebuild(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await rebuild(session)
    finally:
        await engine.dispose()


async def test_profiles_follow_events_and_rebuild_exactly(backend, make_node):
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")

    # An anonymous visitor browses, chats with a person, rates the chat.
    browsing = await Visitor.start(node.base_url, language="pl")
    await browsing.call("track", {"event": "page_view", "props": {"url": "/demo"}})
    await browsing.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "quantity": 1}})
    first = await browsing.say("dzień dobry")
    conv = first["conversation_id"]
    assert await ann.wait_for_assignment() == conv
    await ann.say(conv, "Dzień dobry! W czym mogę pomóc?")
    await browsing.say("gdzie jest moje zamówienie?")
    await ann.ok("close", {"conversation_id": conv, "resolution": "resolved"})
    await browsing.call("csat", {"conversation_id": conv, "rating": 5})

    # The messages reach the profile a moment after their acks.
    visitor = uuid.UUID(browsing.visitor_id)
    profiles = await eventually(lambda: _profiles(backend.database_url), lambda p: p[visitor][1]["sum"].get("messages") == 2)
    kind, state = profiles[visitor]
    assert kind == "visitor"
    assert state["sum"]["messages"] == 2 and state["sum"]["conversations"] == 1 and state["sum"]["visits"] == 1
    assert state["sum"]["handoffs"] == 1 and state["sum"]["csat_sum"] == 5
    assert state["tally"]["tracked"] == {"page_view": 1, "cart_add": 1} and state["tally"]["languages"] == {"pl": 1}

    # The same person on another device, then both identified: one customer profile, no double counting.
    phone = await Visitor.start(node.base_url)
    await phone.call("track", {"event": "page_view", "props": {"url": "/demo#SC-005"}})
    for device in (browsing, phone):
        await device.call("consent", {"purpose": "identification", "granted": True})
        assert (await device.call("identify", {"email": "ola@example.com"}))["ok"]
    profiles = await _profiles(backend.database_url)
    customers = {sid: st for sid, (k, st) in profiles.items() if k == "customer"}
    assert len(customers) == 1 and uuid.UUID(browsing.visitor_id) not in profiles and uuid.UUID(phone.visitor_id) not in profiles
    [merged] = customers.values()
    assert merged["sum"]["visits"] == 2 and merged["sum"]["messages"] == 2
    assert merged["tally"]["tracked"] == {"page_view": 2, "cart_add": 1}
    assert merged["latest"]["consent_identification"][2] is True

    # Rebuilding from the log gives exactly what was folded live.
    live = await _profiles(backend.database_url)
    assert await _rebuild(backend.database_url) == len(live)
    assert await _profiles(backend.database_url) == live

    # The console's customer panel shows the summary.
    status, detail = await ann.rest("GET", f"/api/agent/conversations/{conv}")
    assert status == 200
    profile = detail["customer"]["profile"]
    assert profile["conversations"] == 1 and profile["satisfaction"] == 5.0 and profile["preferred_language"] == "pl"
