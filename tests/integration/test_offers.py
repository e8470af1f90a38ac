"""Retention offers end to end on a real server: the catalog over REST, triggers from the widget's
events and the shop's API, cards in the chat, sticky arms with a holdout that gets nothing, and
results (impressions, clicks, redemptions, conversion, uplift) over REST and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import aiohttp
from sqlalchemy import select

from livechat.api.appkeys import SERVICES
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.offer_models import OfferAssignment, OfferDelivery
from livechat.interaction_log import record
from livechat.offer_rules import HOLDOUT, assign_arm
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor

SHOP_KEY = "shop-key-for-tests-0123456789"


def offer(key: str, trigger: str, **values: Any) -> dict[str, Any]:
    return {"key": key, "name": key.replace("-", " ").title(), "kind": "discount_code", "title": "A little thank you",
            "text": f"{key}: 10% off your next order.", "trigger": trigger, "holdout_pct": 0, **values}


async def _rows(database_url: str, query) -> list:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


async def _supervisor(node, database_url: str) -> AgentClient:
    await add_agent(database_url, "sue@shop.test", role="supervisor")
    return await AgentClient.login(node.base_url, "sue@shop.test", online=False)


async def _order(node, *, visitor_id=None, customer_id=None, codes=(), total_cents=5000, order_id="W-1") -> None:
    """An order as the order import records it (the CRM branch writes the same event)."""
    async with node.app[SERVICES].transaction() as tx:
        record(tx, "order.placed", visitor_id=uuid.UUID(visitor_id) if visitor_id else None, customer_id=customer_id,
               data={"order_id": order_id, "total_cents": total_cents, "currency": "EUR", "discount_codes": list(codes), "source": "demo"})


def _offers(visitor: Visitor) -> list[dict]:
    return [m for m in visitor.received if (m.get("payload") or {}).get("type") == "offer"]


async def test_the_catalog_is_for_supervisors_and_checked(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    sue = await _supervisor(node, sqlite_backend.database_url)
    await add_agent(sqlite_backend.database_url, "al@shop.test")
    al = await AgentClient.login(node.base_url, "al@shop.test", online=False)

    assert (await al.rest("POST", "/api/agent/offers", json=offer("winback", "exit_intent")))[0] == 403
    status, body = await sue.rest("POST", "/api/agent/offers", json=offer("winback", "sometimes"))
    assert status == 400 and "trigger" in body["error"]["fields"]
    shared_without_code = await sue.rest("POST", "/api/agent/offers", json=offer("winback", "exit_intent", code_mode="shared"))
    assert shared_without_code[0] == 400 and "shared_code" in shared_without_code[1]["error"]["message"]
    status, created = await sue.rest("POST", "/api/agent/offers", json=offer("winback", "exit_intent", code_mode="pool", budget_total=100))
    assert status == 201 and created["issued_count"] == 0 and created["variants"] == [{"name": "A", "weight": 1, "delay_s": 0}]
    assert (await sue.rest("POST", "/api/agent/offers", json=offer("winback", "exit_intent")))[0] == 409

    status, counts = await sue.rest("POST", "/api/agent/offers/winback/codes", json={"codes": ["SAVE-1", "SAVE-2", "SAVE-2", "SAVE-3"]})
    assert status == 200 and counts == {"added": 3, "skipped": 0, "codes_total": 3, "codes_free": 3}
    status, counts = await sue.rest("POST", "/api/agent/offers/winback/codes", json={"codes": ["SAVE-3", "SAVE-4"]})
    assert counts == {"added": 1, "skipped": 1, "codes_total": 4, "codes_free": 4}
    assert (await sue.rest("POST", "/api/agent/offers/winback/codes", json={"codes": ["no spaces"]}))[0] == 400

    changed = offer("winback", "exit_intent", code_mode="pool", budget_total=50, title="Still here?")
    status, updated = await sue.rest("PUT", "/api/agent/offers/winback", json=changed)
    assert status == 200 and updated["title"] == "Still here?" and updated["budget_total"] == 50
    assert (await sue.rest("PUT", "/api/agent/offers/nothing", json=offer("nothing", "api")))[0] == 404
    status, listed = await sue.rest("GET", "/api/agent/offers")
    assert [o["offer"]["key"] for o in listed["offers"]] == ["winback"]


async def test_an_abandoned_cart_gets_a_unique_code_and_its_results_are_measured(backend, make_node):
    node = await make_node(backend, offers_cart_idle_s=0.3, offers_sweep_s=0.1)
    sue = await _supervisor(node, backend.database_url)
    await sue.rest("POST", "/api/agent/offers", json=offer(
        "cart-rescue", "cart_abandoned", code_mode="pool", trigger_params={"min_cart_cents": 5000}, cost_cents=900,
        cta_label="Back to my cart", cta_url="/cart", valid_for_s=86_400))
    await sue.rest("POST", "/api/agent/offers/cart-rescue/codes", json={"codes": [f"CART-{i}" for i in range(5)]})

    small = await Visitor.start(backend_url := node.base_url)
    await small.call("track", {"event": "cart_add", "props": {"sku": "MUG-1", "quantity": 1, "price_cents": 1500}})
    buyer = await Visitor.start(backend_url)
    await buyer.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "quantity": 1, "price_cents": 8900}})
    emptied = await Visitor.start(backend_url)
    await emptied.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "quantity": 1, "price_cents": 8900}})
    await emptied.call("track", {"event": "cart_remove", "props": {"sku": "SW-001"}})
    paid = await Visitor.start(backend_url)
    await paid.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "quantity": 2, "price_cents": 8900}})
    await _order(node, visitor_id=paid.visitor_id, order_id="W-0")  # paid before going idle: not abandoned

    cards = await buyer.wait_for(lambda: _offers(buyer), what="the offer card")
    card = cards[0]["payload"]
    assert cards[0]["sender"] == "bot" and card["offer_id"] == "cart-rescue" and card["code"].startswith("CART-")
    assert card["cta"] == {"label": "Back to my cart", "url": "/cart"} and card["expires_at"]
    # The small cart was due first and got nothing; the paid cart was never abandoned.
    deliveries = await _rows(backend.database_url, select(OfferDelivery))
    assert [(str(d.subject_id), d.code) for d in deliveries] == [(buyer.visitor_id, card["code"])]
    assert _offers(small) == [] and _offers(paid) == [] and _offers(emptied) == []

    await buyer.call("track", {"event": "offer_shown", "props": {"offer_id": "cart-rescue"}})
    await buyer.call("track", {"event": "offer_clicked", "props": {"offer_id": "cart-rescue"}})
    await buyer.call("track", {"event": "offer_accepted", "props": {"offer_id": "cart-rescue"}})  # the shop applied the code
    await _order(node, visitor_id=buyer.visitor_id, codes=[card["code"]], total_cents=8010, order_id="W-2")

    status, result = await sue.rest("GET", "/api/agent/offers/cart-rescue/report")
    arm = next(a for a in result["arms"] if a["arm"] == "A")
    assert status == 200 and result["codes"] == {"codes_total": 5, "codes_free": 4}
    assert {k: arm[k] for k in ("assigned", "delivered", "shown", "clicked", "accepted", "redeemed", "converted", "redeemed_revenue_cents",
                                "cost_cents")} == {
        "assigned": 1, "delivered": 1, "shown": 1, "clicked": 1, "accepted": 1, "redeemed": 1, "converted": 1, "redeemed_revenue_cents": 8010,
        "cost_cents": 900}
    # The agent sees it in the customer panel next to the conversation.
    status, detail = await sue.rest("GET", f"/api/agent/conversations/{cards[0]['conversation_id']}")
    assert [(o["offer"], o["code"], o["shown"], o["redeemed"]) for o in detail["customer"]["offers"]] == [("cart-rescue", card["code"], True, True)]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base_url}/api/agent/offers/cart-rescue/report?format=csv",
                            headers={"Authorization": f"Bearer {sue.tokens['access_token']}"}) as response:
            assert response.status == 200 and response.content_type == "text/csv"
            rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["arm"], r["assigned"], r["redeemed"]) for r in rows] == [("A", "1", "1"), ("holdout", "0", "0")]


async def test_exit_intent_arms_are_sticky_the_holdout_gets_nothing_and_caps_hold(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    sue = await _supervisor(node, sqlite_backend.database_url)
    variants = [{"name": "plain", "text": "Before you go: 10% off."}, {"name": "warm", "text": "We'd miss you: 10% off."}]
    await sue.rest("POST", "/api/agent/offers", json=offer("leaving", "exit_intent", holdout_pct=40, variants=variants,
                                                           code_mode="shared", shared_code="STAY10", max_per_customer=1))
    visitors = [await Visitor.start(node.base_url) for _ in range(12)]
    for visitor in visitors:
        for _ in range(2):  # the second exit intent is over the cap of one
            assert (await visitor.call("track", {"event": "exit_intent", "props": {}}))["stored"]
    arms = {str(a.subject_id): a.arm for a in await _rows(sqlite_backend.database_url, select(OfferAssignment))}
    assert len(arms) == 12
    texts = {"plain": "Before you go: 10% off.", "warm": "We'd miss you: 10% off."}
    for visitor in visitors:
        arm = arms[visitor.visitor_id]
        assert arm == assign_arm("leaving", uuid.UUID(visitor.visitor_id), 40, variants)
        got = [m["payload"] for m in _offers(visitor)]
        if arm == HOLDOUT:
            assert got == []
        else:
            assert [(p["text"], p["code"]) for p in got] == [(texts[arm], "STAY10")]
    assert {HOLDOUT} < set(arms.values())


async def test_the_shop_triggers_offers_for_known_customers_and_returning_customers_get_theirs(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, shop_api_key=SHOP_KEY)
    sue = await _supervisor(node, sqlite_backend.database_url)
    await sue.rest("POST", "/api/agent/offers", json=offer("vip-thanks", "api", kind="loyalty_perk", text="Double points this week."))
    await sue.rest("POST", "/api/agent/offers", json=offer("welcome-back", "returning_customer", kind="free_shipping",
                                                           text="Free shipping for you today."))
    shopper = await Visitor.start(node.base_url)
    await shopper.call("consent", {"purpose": "identification", "granted": True})
    customer_id = (await shopper.call("identify", {"external_id": "C-42", "email": "kim@example.com"}))["customer_id"]
    # Identified on a page: a returning known customer.
    cards = await shopper.wait_for(lambda: _offers(shopper), what="the returning-customer card")
    assert [c["payload"]["offer_id"] for c in cards] == ["welcome-back"]

    async with aiohttp.ClientSession() as http:
        async def trigger(body: dict, key: str | None = SHOP_KEY) -> tuple[int, dict]:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            async with http.post(f"{node.base_url}/api/shop/offers/trigger", json=body, headers=headers) as response:
                return response.status, await response.json()

        assert (await trigger({"external_ref": "C-42"}, key=None))[0] == 401
        assert (await trigger({"external_ref": "C-42"}, key="wrong"))[0] == 401
        assert (await trigger({}))[0] == 400
        assert (await trigger({"external_ref": "nobody"}))[0] == 404
        status, fired = await trigger({"external_ref": "C-42"})
        assert status == 200 and fired["status"] == "delivered" and fired["card"]["text"] == "Double points this week."
        status, again = await trigger({"customer_id": customer_id})
        assert again["status"] == "capped" and again["card"] is None
    await shopper.wait_for(lambda: len(_offers(shopper)) == 2, what="the shop's card in the chat")

    # An order within the attribution window converts the customer's assignments.
    await _order(node, customer_id=uuid.UUID(customer_id), total_cents=4200)
    assignments = await _rows(sqlite_backend.database_url, select(OfferAssignment).order_by(OfferAssignment.offer_id))
    assert [(str(a.subject_id), a.conversion_revenue_cents) for a in assignments] == [(customer_id, 4200), (customer_id, 4200)]


async def test_a_visitors_offers_follow_them_when_they_identify(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, offers_min_gap_s=3600)
    sue = await _supervisor(node, sqlite_backend.database_url)
    await sue.rest("POST", "/api/agent/offers", json=offer("leaving", "exit_intent", code_mode="shared", shared_code="STAY10"))
    await sue.rest("POST", "/api/agent/offers", json=offer("welcome", "returning_customer"))
    visitor = await Visitor.start(node.base_url)
    await visitor.call("track", {"event": "exit_intent", "props": {}})
    assert len(_offers(visitor)) == 1
    await visitor.call("consent", {"purpose": "identification", "granted": True})
    customer_id = (await visitor.call("identify", {"email": "lee@example.com"}))["customer_id"]
    # Identified, they are a returning customer; but they got an offer a moment ago as a visitor, and the
    # shop-wide gap follows them to their customer profile.
    assert [m["payload"]["offer_id"] for m in _offers(visitor)] == ["leaving"]
    await _order(node, customer_id=uuid.UUID(customer_id), codes=["STAY10"], total_cents=3000)
    status, result = await sue.rest("GET", "/api/agent/offers/leaving/report")
    arm = result["arms"][0]
    assert (arm["assigned"], arm["delivered"], arm["redeemed"], arm["converted"]) == (1, 1, 1, 1)
    [assignment] = await _rows(sqlite_backend.database_url, select(OfferAssignment))
    assert str(assignment.subject_id) == customer_id and assignment.subject_kind == "customer"
    # What they were offered is part of what a customer's data export holds.
    status, exported = await sue.rest("GET", f"/api/agent/customers/{customer_id}/export")
    assert status == 200 and [(o["offer"], o["code"], o["redeemed"]) for o in exported["offers"]] == [("leaving", "STAY10", True)]


async def test_complaints_lapsed_buyers_milestones_and_later_moments_fire_their_offers(sqlite_backend, make_node):
    from datetime import timedelta

    from sqlalchemy import update

    from livechat.db.models import Conversation
    from livechat.db.types import utcnow

    node = await make_node(sqlite_backend, offers_sweep_s=0.1)
    sue = await _supervisor(node, sqlite_backend.database_url)
    for body in (offer("sorry", "complaint_closed", text="Sorry about that: 15% off your next order."),
                 offer("lapsed", "churn_risk_return", text="Welcome back!", trigger_params={"min_recency_days": 90}),
                 offer("third-order", "repeat_milestone", text="Your third order: thank you!", trigger_params={"milestones": [3]}),
                 offer("tips-later", "exit_intent", kind="content", text="Five ways to wear merino.", variants=[{"name": "later", "delay_s": 1}])):
        assert (await sue.rest("POST", "/api/agent/offers", json=body))[0] == 201

    # A complaint handed to a person and closed: the card comes in a new conversation.
    unhappy = await Visitor.start(node.base_url)
    first = await unhappy.say("my parcel arrived broken, this is unacceptable")
    await unhappy.wait_for(lambda: unhappy.states and unhappy.states[-1]["state"] == "queued", what="queued for a person")
    # Without Rasa here it was queued as bot_unavailable; the bot's complaint handoff sets this reason.
    engine = create_engine(sqlite_backend.database_url)
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(update(Conversation).where(Conversation.id == uuid.UUID(first["conversation_id"]))
                              .values(handoff_reason="complaint"))
    await engine.dispose()
    await sue.ok("claim", {"conversation_id": first["conversation_id"]})
    await sue.ok("close", {"conversation_id": first["conversation_id"], "resolution": "resolved"})
    cards = await unhappy.wait_for(lambda: _offers(unhappy), what="the apology offer")
    assert cards[0]["payload"]["offer_id"] == "sorry" and cards[0]["conversation_id"] != first["conversation_id"]

    # A buyer whose last order is 120 days old comes back and identifies.
    lapsed = await Visitor.start(node.base_url)
    await lapsed.call("consent", {"purpose": "identification", "granted": True})
    customer_id = uuid.UUID((await lapsed.call("identify", {"external_id": "C-7"}))["customer_id"])
    async with node.app[SERVICES].transaction() as tx:
        old = record(tx, "order.placed", customer_id=customer_id, data={"order_id": "OLD-1", "total_cents": 5000, "discount_codes": []})
        old.occurred_at = utcnow() - timedelta(days=120)
    assert _offers(lapsed) == []
    await lapsed.call("identify", {"external_id": "C-7"})  # signs in again on another page
    cards = await lapsed.wait_for(lambda: _offers(lapsed), what="the win-back offer")
    assert [c["payload"]["offer_id"] for c in cards] == ["lapsed"]

    # The third order is a milestone; the second is not.
    loyal = await Visitor.start(node.base_url)
    for n in (1, 2):
        await _order(node, visitor_id=loyal.visitor_id, order_id=f"L-{n}")
    assert _offers(loyal) == []
    await _order(node, visitor_id=loyal.visitor_id, order_id="L-3")
    cards = await loyal.wait_for(lambda: _offers(loyal), what="the milestone offer")
    assert [c["payload"]["offer_id"] for c in cards] == ["third-order"]

    # A variant that differs in the moment: issued now, in the chat a second later (by the sweep).
    browsing = await Visitor.start(node.base_url)
    await browsing.call("track", {"event": "exit_intent", "props": {}})
    [held] = await _rows(sqlite_backend.database_url, select(OfferDelivery).where(OfferDelivery.subject_id == uuid.UUID(browsing.visitor_id)))
    assert held.due_at is not None and held.delivered_at is None and _offers(browsing) == []
    cards = await browsing.wait_for(lambda: _offers(browsing), what="the held-back card")
    assert cards[0]["payload"]["text"] == "Five ways to wear merino."


async def test_segment_and_consent_eligibility(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    sue = await _supervisor(node, sqlite_backend.database_url)
    await sue.rest("POST", "/api/agent/offers", json=offer("for-carts", "exit_intent", segments=["cart_abandoner"], consent="tracking"))
    plain = await Visitor.start(node.base_url)
    await plain.call("consent", {"purpose": "tracking", "granted": True})
    await plain.call("track", {"event": "exit_intent", "props": {}})
    no_consent = await Visitor.start(node.base_url)
    await no_consent.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "price_cents": 8900}})
    await no_consent.call("track", {"event": "exit_intent", "props": {}})
    shopper = await Visitor.start(node.base_url)
    await shopper.call("consent", {"purpose": "tracking", "granted": True})
    await shopper.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "price_cents": 8900}})
    await shopper.call("track", {"event": "exit_intent", "props": {}})
    assert _offers(plain) == [] and _offers(no_consent) == []
    assert [c["payload"]["offer_id"] for c in await shopper.wait_for(lambda: _offers(shopper), what="the card")] == ["for-carts"]
