"""Tracking only with consent where the site requires it, identification only with consent (and across
devices), consent records, and satisfaction ratings after a conversation closed."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Consent, Conversation, CustomerIdentity, InteractionEvent, Visitor as VisitorRow
from livechat.visitor_privacy import identity_hash
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def _rows(database_url: str, query):
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


async def _tracked(database_url: str, visitor_id: str) -> list[tuple[str, dict]]:
    events = await _rows(database_url, select(InteractionEvent).where(
        InteractionEvent.visitor_id == uuid.UUID(visitor_id), InteractionEvent.type.like("track.%")).order_by(InteractionEvent.id))
    return [(e.type, e.data) for e in events]


async def test_tracking_waits_for_consent_where_the_site_requires_it(backend, make_node):
    node = await make_node(backend, require_consent=True)
    visitor = await Visitor.start(node.base_url)
    page_view = {"event": "page_view", "props": {"url": "/demo#SW-001", "title": "Merino wool sweater"}}
    assert (await visitor.call("track", page_view)) == {"ok": True, "stored": False}

    granted = await visitor.call("consent", {"purpose": "tracking", "granted": True, "notice_version": "2026-11"})
    assert granted["consent"] == {"tracking": True, "identification": None}
    assert (await visitor.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "quantity": 1, "price_cents": 8900}}))["stored"]

    await visitor.call("consent", {"purpose": "tracking", "granted": False, "notice_version": "2026-11"})
    assert (await visitor.call("track", page_view))["stored"] is False
    assert await _tracked(backend.database_url, visitor.visitor_id) == [("track.cart_add", {"sku": "SW-001", "quantity": 1, "price_cents": 8900})]
    consents = await _rows(backend.database_url, select(Consent).where(Consent.visitor_id == uuid.UUID(visitor.visitor_id)).order_by(Consent.id))
    assert [(c.purpose, c.granted, c.notice_version, c.source) for c in consents] == [
        ("tracking", True, "2026-11", "widget"), ("tracking", False, "2026-11", "widget")]


async def test_tracking_without_a_consent_requirement_and_bad_events(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    visitor = await Visitor.start(node.base_url)
    assert (await visitor.call("track", {"event": "page_view", "props": {"url": "/demo"}}))["stored"]
    for bad in ({"event": "Page View"}, {"event": "x", "props": {"nested": {"a": 1}}}, {"event": "x", "props": {f"k{i}": i for i in range(21)}},
                {"event": "x", "props": {"url": "u" * 201}}, "page_view", None):
        ack = await visitor.call("track", bad)
        assert not ack["ok"] and ack["error"]["code"] == "invalid_payload", bad
    # A withdrawal stops tracking even where consent is not required.
    await visitor.call("consent", {"purpose": "tracking", "granted": False})
    assert (await visitor.call("track", {"event": "page_view", "props": {}}))["stored"] is False
    assert len(await _tracked(sqlite_backend.database_url, visitor.visitor_id)) == 1


async def test_identify_needs_consent_and_links_devices_to_one_customer(pg_backend, make_node):
    node = await make_node(pg_backend)
    phone = await Visitor.start(node.base_url)
    refused = await phone.call("identify", {"email": "kim@example.com", "name": "Kim"})
    assert not refused["ok"] and refused["error"]["code"] == "consent_required"
    await phone.call("consent", {"purpose": "identification", "granted": True})
    first = await phone.call("identify", {"email": "Kim@Example.com", "name": "Kim"})
    assert first["ok"]

    laptop = await Visitor.start(node.base_url)
    await laptop.call("consent", {"purpose": "identification", "granted": True})
    second = await laptop.call("identify", {"email": "kim@example.com", "phone": "+48 600 100 200"})
    assert second["customer_id"] == first["customer_id"]
    visitors = await _rows(pg_backend.database_url, select(VisitorRow).where(VisitorRow.customer_id == uuid.UUID(first["customer_id"])))
    assert {str(v.id) for v in visitors} == {phone.visitor_id, laptop.visitor_id}
    [identity] = await _rows(pg_backend.database_url, select(CustomerIdentity))
    assert (identity.email, identity.name, identity.phone) == ("kim@example.com", "Kim", "+48 600 100 200")
    # Personal data stays out of the behaviour log.
    events = await _rows(pg_backend.database_url, select(InteractionEvent).where(InteractionEvent.type == "visitor.identified"))
    assert events and all("kim@example.com" not in str(e.data) and "Kim" not in str(e.data) for e in events)
    # Nobody signed it: the console shows the agent it is the visitor's own claim.
    view = await _console_view(pg_backend.database_url, node.base_url, laptop)
    assert view["customer"]["identity"]["verified"] is False and view["conversation"]["visitor_name"] == "Kim"


SHOP_SECRET = "shop-identity-secret-0123456789"


async def _console_view(database_url: str, base_url: str, visitor: Visitor) -> dict:
    """What the console shows of the visitor's conversation (seen by a supervisor): its summary and customer panel."""
    conversation = (await visitor.say("hello"))["conversation_id"]
    email = f"sup-{visitor.visitor_id[:8]}@shop.test"
    await add_agent(database_url, email, role="supervisor")
    supervisor = await AgentClient.login(base_url, email)
    status, detail = await supervisor.rest("GET", f"/api/agent/conversations/{conversation}")
    assert status == 200, detail
    return detail


async def test_with_an_identity_secret_only_the_shops_signed_claims_identify(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, identity_secret=SHOP_SECRET)
    # The real customer, identified by the shop's page with the hash its server computed.
    kim = await Visitor.start(node.base_url)
    await kim.call("consent", {"purpose": "identification", "granted": True})
    signed = identity_hash(SHOP_SECRET, "cust-42", "kim@example.com")
    linked = await kim.call("identify", {"external_id": "cust-42", "email": "kim@example.com", "name": "Kim", "identity_hash": signed})
    assert linked["ok"], linked

    # Someone else types Kim's identifiers into the page's console: refused, whatever they try.
    mallory = await Visitor.start(node.base_url)
    await mallory.call("consent", {"purpose": "identification", "granted": True})
    attempts = [
        {"email": "kim@example.com"},
        {"external_id": "cust-42", "identity_hash": "0" * 64},
        # A hash for Mallory's own id does not vouch for Kim's email beside it.
        {"external_id": "cust-666", "email": "kim@example.com", "identity_hash": identity_hash(SHOP_SECRET, "cust-666", None)},
        {"name": "Kim", "identity_hash": signed},
    ]
    for claim in attempts:
        answer = await mallory.call("identify", claim)
        assert not answer["ok"] and answer["error"]["code"] == "identity_unverified", (claim, answer)
    [mallory_row] = await _rows(sqlite_backend.database_url, select(VisitorRow).where(VisitorRow.id == uuid.UUID(mallory.visitor_id)))
    assert mallory_row.customer_id is None
    [identity] = await _rows(sqlite_backend.database_url, select(CustomerIdentity))
    assert (identity.customer_id, identity.email, identity.name) == (uuid.UUID(linked["customer_id"]), "kim@example.com", "Kim")

    # Kim on another device, signed by the shop with the email only: the same customer.
    laptop = await Visitor.start(node.base_url)
    await laptop.call("consent", {"purpose": "identification", "granted": True})
    again = await laptop.call("identify", {"email": "kim@example.com", "identity_hash": identity_hash(SHOP_SECRET, None, "kim@example.com").upper()})
    assert again["ok"] and again["customer_id"] == linked["customer_id"]

    # The console tells the agent the shop vouched for who this is.
    view = await _console_view(sqlite_backend.database_url, node.base_url, kim)
    assert view["customer"]["identity"]["verified"] is True
    assert view["conversation"]["visitor_name"] == "Kim"  # the lists name the conversation after her


async def test_satisfaction_rating_after_close(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("help please")
    conv = sent["conversation_id"]
    assert await ann.wait_for_assignment() == conv
    early = await visitor.call("csat", {"conversation_id": conv, "rating": 5})
    assert not early["ok"] and early["error"]["code"] == "not_closed"
    await ann.ok("close", {"conversation_id": conv, "resolution": "resolved"})
    for bad in ({"conversation_id": conv, "rating": 0}, {"conversation_id": conv, "rating": 6}, {"conversation_id": conv, "rating": "5"}):
        assert (await visitor.call("csat", bad))["error"]["code"] == "invalid_payload"
    stranger = await Visitor.start(node.base_url)
    assert (await stranger.call("csat", {"conversation_id": conv, "rating": 1}))["error"]["code"] == "forbidden"
    assert (await visitor.call("csat", {"conversation_id": conv, "rating": 4, "comment": "Quick and friendly"}))["ok"]
    synced = await visitor.call("sync", {"after_seq": 0})
    assert synced["conversation"]["csat"] == 4
    [row] = await _rows(sqlite_backend.database_url, select(Conversation).where(Conversation.id == uuid.UUID(conv)))
    assert (row.csat_rating, row.csat_comment) == (4, "Quick and friendly")
