"""Segments follow profiles as events arrive; the shop defines its own with rules; time-based rules and
VIP are refreshed over all profiles; membership changes are events and show in the console."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select

from livechat.cli import main as livechat_cli
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Customer, InteractionEvent, SegmentMembership
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.profile_store import rebuild
from livechat.transaction import EventBus, transaction
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor
from tests.support.waiting import eventually


async def _memberships(database_url: str, subject: str | uuid.UUID) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return set(await session.scalars(select(SegmentMembership.segment).where(SegmentMembership.subject_id == uuid.UUID(str(subject)))))
    finally:
        await engine.dispose()


async def _orders(database_url: str, amounts_by_customer: list[list[tuple[int, int]]]) -> list[uuid.UUID]:
    """Customers with orders (days ago, cents), recorded through the real interaction log."""
    engine = create_engine(database_url)
    ids = []
    try:
        sessions = create_session_factory(engine)
        for orders in amounts_by_customer:
            async with transaction(sessions, EventBus()) as tx:
                customer = Customer()
                tx.session.add(customer)
                await tx.session.flush()
                for days_ago, cents in orders:
                    event = record(tx, "order.placed", customer_id=customer.id, data={"total_cents": cents})
                    event.occurred_at = utcnow() - timedelta(days=days_ago)
                ids.append(customer.id)
    finally:
        await engine.dispose()
    return ids


async def test_segments_follow_events_and_rules(pg_backend, make_node, monkeypatch):
    node = await make_node(pg_backend)
    await add_agent(pg_backend.database_url, "root@shop.test", role="admin")
    await add_agent(pg_backend.database_url, "ann@shop.test")
    root = await AgentClient.login(node.base_url, "root@shop.test", online=False)

    shopper = await Visitor.start(node.base_url)
    assert await _memberships(pg_backend.database_url, shopper.visitor_id) == {"new_visitor"}
    await shopper.call("track", {"event": "cart_add", "props": {"sku": "SW-001"}})
    assert await _memberships(pg_backend.database_url, shopper.visitor_id) == {"new_visitor", "cart_abandoner"}
    await shopper.call("track", {"event": "cart_remove", "props": {"sku": "SW-001"}})
    assert await _memberships(pg_backend.database_url, shopper.visitor_id) == {"new_visitor"}

    # The shop's own segment: checked on save, applied from the next event on.
    bad = await root.rest("PUT", "/api/agent/segments/chatty", json={"rule": "messages >= and visits > 1"})
    assert bad[0] == 400 and bad[1]["error"]["code"] == "invalid_segment_rule" and bad[1]["error"]["position"] == 12
    typo = await root.rest("PUT", "/api/agent/segments/chatty", json={"rule": "mesages >= 2"})
    assert typo[0] == 400 and 'did you mean "messages"' in typo[1]["error"]["message"]
    assert (await root.rest("PUT", "/api/agent/segments/vip", json={"rule": "orders > 0"}))[0] == 409
    assert (await root.rest("PUT", "/api/agent/segments/chatty", json={"rule": "messages >= 2"}))[0] == 200
    await shopper.say("hello")
    await shopper.say("anyone?")
    # Messages reach the profile, and with it the segments, a moment after their acks.
    await eventually(lambda: _memberships(pg_backend.database_url, shopper.visitor_id), lambda m: "chatty" in m)
    status, listed = await root.rest("GET", "/api/agent/segments")
    chatty = next(s for s in listed["segments"] if s["name"] == "chatty")
    assert status == 200 and chatty == {"name": "chatty", "rule": "messages >= 2", "builtin": False, "members": 1}

    # Buyers: one order, repeat, a lapsed big spender; time-based rules and VIP come from the refresh.
    first, repeat, lapsed, *others = await _orders(pg_backend.database_url, [
        [(5, 2_000)], [(40, 3_000), (3, 4_000)], [(200, 90_000), (150, 80_000)], *[[(10, 1_000)] for _ in range(7)],
    ])
    assert "first_time_buyer" in await _memberships(pg_backend.database_url, first)
    assert "repeat_customer" in await _memberships(pg_backend.database_url, repeat)
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", pg_backend.database_url)
    await asyncio.to_thread(livechat_cli, ["segments", "refresh"])
    assert await _memberships(pg_backend.database_url, lapsed) >= {"repeat_customer", "churn_risk", "vip"}
    assert "vip" not in await _memberships(pg_backend.database_url, first)

    # The REST list of a segment's members, a page at a time.
    status, vips = await root.rest("GET", "/api/agent/profiles?segment=vip")
    assert status == 200 and [p["subject_id"] for p in vips["profiles"]] == [str(lapsed)]
    assert vips["profiles"][0]["lifetime_value_cents"] == 170_000 and "churn_risk" in vips["profiles"][0]["segments"]
    buyers: list[str] = []
    after = ""
    while after is not None:
        status, page = await root.rest("GET", f"/api/agent/profiles?segment=first_time_buyer&limit=3&after={after}")
        assert status == 200 and len(page["profiles"]) <= 3
        buyers += [p["subject_id"] for p in page["profiles"]]
        after = page["next_after"]
    assert sorted(buyers) == sorted(str(c) for c in [first, *others])
    assert (await root.rest("GET", "/api/agent/profiles?segment=Robert'); DROP TABLE profiles"))[0] == 400

    engine = create_engine(pg_backend.database_url)
    async with create_session_factory(engine)() as session:
        changes = [(e.type, e.data["segment"]) for e in await session.scalars(
            select(InteractionEvent).where(InteractionEvent.type.like("segment.%"), InteractionEvent.visitor_id == uuid.UUID(shopper.visitor_id))
            .order_by(InteractionEvent.id))]
    await engine.dispose()
    assert changes[:3] == [("segment.joined", "new_visitor"), ("segment.joined", "cart_abandoner"), ("segment.left", "cart_abandoner")]

    # Membership events do not disturb the profiles: a rebuild still matches.
    from tests.integration.test_profiles import _profiles
    live = await _profiles(pg_backend.database_url)
    engine = create_engine(pg_backend.database_url)
    async with create_session_factory(engine)() as session, session.begin():
        await rebuild(session)
    await engine.dispose()
    assert await _profiles(pg_backend.database_url) == live
