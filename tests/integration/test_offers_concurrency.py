"""Two `livechat serve` processes on one PostgreSQL, hammered with parallel offer triggers: no unique
code goes out twice, no budget is exceeded, no customer gets more than their cap."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Customer
from livechat.db.offer_models import Offer, OfferCartWatch, OfferCode, OfferContact, OfferDelivery
from livechat.db.types import utcnow
from tests.fixtures import UNREACHABLE_RASA, free_port
from tests.integration.test_offers import SHOP_KEY, offer
from tests.support.agent import AgentClient, add_agent
from tests.support.processes import start_node
from tests.support.visitor import Visitor

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CUSTOMERS = 30
ROUNDS = 4
# Requests in flight at once: a burst well past each node's 20 database connections, yet not so many that
# requests queue for a connection longer than the pool's timeout on a loaded 2-core machine.
IN_FLIGHT = 48


def _check_answered(statuses: list[int], nodes) -> None:
    """Every call answered 200; otherwise fail with the nodes' logs, which hold the server's traceback."""
    if any(s != 200 for s in statuses):
        logs = "\n".join(node.log()[-4000:] for node in nodes)
        raise AssertionError(f"answers {sorted(set(statuses))}; node logs:\n{logs}")


@pytest.fixture
async def two_nodes(pg_url, tmp_path, request):
    from tests.fixtures import _prepare_backend

    # Redis joins the nodes' sockets: a card one node's sweep delivers reaches a visitor on the other.
    backend = await _prepare_backend("postgres+redis", tmp_path, request)
    env = {
        "LIVECHAT_DATABASE_URL": backend.database_url,
        "LIVECHAT_REDIS_URL": backend.redis_url,
        "LIVECHAT_REDIS_CHANNEL": backend.redis_channel,
        "LIVECHAT_RASA_URL": UNREACHABLE_RASA,
        "LIVECHAT_SECRET_KEY": "offers-concurrency-secret-0123456789abcdef",
        "LIVECHAT_DATA_DIR": str(tmp_path / "data"),
        "LIVECHAT_SHOP_API_KEY": SHOP_KEY,
        "LIVECHAT_OFFERS_CART_IDLE_S": "1",
        "LIVECHAT_OFFERS_SWEEP_S": "0.2",
        # Proactive offers (into the chat) at most one a day per customer; "deliver": false calls are not proactive.
        "LIVECHAT_OFFERS_MIN_GAP_S": "86400",
    }
    nodes = []
    try:
        nodes.append(await start_node(free_port(), env, tmp_path))
        nodes.append(await start_node(free_port(), env, tmp_path))
        yield backend, nodes
    finally:
        for node in nodes:
            node.stop()


async def _customers(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            session.add_all(Customer(external_ref=f"C-{i}") for i in range(CUSTOMERS))
    finally:
        await engine.dispose()
    return [f"C-{i}" for i in range(CUSTOMERS)]


async def test_parallel_triggers_on_two_nodes_never_over_issue(two_nodes):
    backend, (node1, node2) = two_nodes
    await add_agent(backend.database_url, "sue@shop.test", role="supervisor")
    sue = await AgentClient.login(node1.base_url, "sue@shop.test", online=False)
    offers = {
        # More demand (30 customers × cap 2) than budget (25), and more codes than budget.
        "budgeted": offer("budgeted", "api", code_mode="pool", budget_total=25, max_per_customer=2),
        # Fewer codes (10) than demand, no budget: the pool is the limit.
        "few-codes": offer("few-codes", "api", code_mode="pool", max_per_customer=3),
        # A shared code, one per customer.
        "once-each": offer("once-each", "api", code_mode="shared", shared_code="HELLO5", max_per_customer=1),
    }
    for body in offers.values():
        assert (await sue.rest("POST", "/api/agent/offers", json=body))[0] == 201
    await sue.rest("POST", "/api/agent/offers/budgeted/codes", json={"codes": [f"B-{i:03d}" for i in range(40)]})
    await sue.rest("POST", "/api/agent/offers/few-codes/codes", json={"codes": [f"F-{i:03d}" for i in range(10)]})
    await sue.disconnect()
    refs = await _customers(backend.database_url)

    nodes = itertools.cycle([node1.base_url, node2.base_url])
    slots = asyncio.Semaphore(IN_FLIGHT)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {SHOP_KEY}"}) as http:
        async def trigger(base_url: str, ref: str, key: str) -> dict:
            async with slots, http.post(f"{base_url}/api/shop/offers/trigger", json={"external_ref": ref, "offer": key, "deliver": False}) as response:
                return (await response.json(content_type=None)) | {"ref": ref, "http": response.status}

        # The same customer's triggers side by side, so they race each other on both nodes.
        calls = [trigger(next(nodes), ref, key) for ref in refs for key in offers for _ in range(ROUNDS)]
        results = await asyncio.gather(*calls)
    _check_answered([r["http"] for r in results], (node1, node2))

    engine = create_engine(backend.database_url)
    try:
        async with create_session_factory(engine)() as session:
            ids = dict((await session.execute(select(Offer.key, Offer.id))).all())
            deliveries = {key: list(await session.scalars(select(OfferDelivery).where(OfferDelivery.offer_id == ids[key])))
                          for key in offers}
            issued_count = dict((await session.execute(select(Offer.key, Offer.issued_count))).all())
            codes_used = dict((await session.execute(
                select(Offer.key, func.count(OfferCode.delivery_id)).join(OfferCode, OfferCode.offer_id == Offer.id).group_by(Offer.key))).all())
    finally:
        await engine.dispose()

    budgeted, few, once = deliveries["budgeted"], deliveries["few-codes"], deliveries["once-each"]
    assert len(budgeted) == 25 == issued_count["budgeted"] == codes_used["budgeted"]
    assert len({d.code for d in budgeted}) == 25
    assert max(Counter(d.subject_id for d in budgeted).values()) <= 2
    assert len(few) == 10 == codes_used["few-codes"] and len({d.code for d in few}) == 10
    assert max(Counter(d.subject_id for d in few).values()) <= 3
    assert len(once) == CUSTOMERS and len({d.subject_id for d in once}) == CUSTOMERS and {d.code for d in once} == {"HELLO5"}
    # What the callers were told agrees with the database; and both nodes did hand out offers.
    statuses = Counter((r["offer"], r["status"]) for r in results)
    assert statuses[("budgeted", "delivered")] == 25 and statuses[("few-codes", "delivered")] == 10
    assert statuses[("once-each", "delivered")] == CUSTOMERS
    assert statuses[("few-codes", "no_code")] > 0 and statuses[("budgeted", "budget_spent")] + statuses[("budgeted", "capped")] == len(refs) * ROUNDS - 25


async def test_both_nodes_sweep_abandoned_carts_and_each_cart_fires_once(two_nodes):
    backend, (node1, node2) = two_nodes
    await add_agent(backend.database_url, "sue@shop.test", role="supervisor")
    sue = await AgentClient.login(node1.base_url, "sue@shop.test", online=False)
    # A generous cap, so a cart swept twice would show as two deliveries.
    body = offer("cart-rescue", "cart_abandoned", code_mode="pool", max_per_customer=5)
    assert (await sue.rest("POST", "/api/agent/offers", json=body))[0] == 201
    await sue.rest("POST", "/api/agent/offers/cart-rescue/codes", json={"codes": [f"C-{i:03d}" for i in range(100)]})
    await sue.disconnect()
    visitors = [await Visitor.start(base) for base in [node1.base_url, node2.base_url] * 10]
    await asyncio.gather(*(v.call("track", {"event": "cart_add", "props": {"sku": "SW-001", "price_cents": 8900}}) for v in visitors))
    await asyncio.gather(*(v.wait_for(lambda v=v: [m for m in v.received if (m["payload"] or {}).get("type") == "offer"], what="a card")
                           for v in visitors))

    engine = create_engine(backend.database_url)
    try:
        async with create_session_factory(engine)() as session:
            # Every watch was claimed (deleted) by one sweep: nothing can fire again.
            assert await session.scalar(select(func.count()).select_from(OfferCartWatch)) == 0
            deliveries = list(await session.scalars(select(OfferDelivery)))
    finally:
        await engine.dispose()
    assert sorted(str(d.subject_id) for d in deliveries) == sorted(v.visitor_id for v in visitors)
    assert len({d.code for d in deliveries}) == len(visitors)
    for v in visitors:
        assert len([m for m in v.received if (m["payload"] or {}).get("type") == "offer"]) == 1
        await v.disconnect()


async def test_the_shop_wide_gap_between_proactive_offers_holds_across_offers_and_nodes(two_nodes):
    backend, (node1, node2) = two_nodes
    await add_agent(backend.database_url, "sue@shop.test", role="supervisor")
    sue = await AgentClient.login(node1.base_url, "sue@shop.test", online=False)
    for key in ("gap-a", "gap-b"):
        assert (await sue.rest("POST", "/api/agent/offers", json=offer(key, "api", max_per_customer=10)))[0] == 201
    await sue.disconnect()
    refs = await _customers(backend.database_url)
    # Everyone last got an offer two days ago: the gap has passed, and their contact rows exist already.
    engine = create_engine(backend.database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            session.add_all(OfferContact(subject_id=c, last_offered_at=utcnow() - timedelta(days=2)) for c in await session.scalars(select(Customer.id)))
    finally:
        await engine.dispose()
    nodes = itertools.cycle([node1.base_url, node2.base_url])
    slots = asyncio.Semaphore(IN_FLIGHT)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {SHOP_KEY}"}) as http:
        async def trigger(base_url: str, ref: str, key: str) -> tuple[int, str | None]:
            async with slots, http.post(f"{base_url}/api/shop/offers/trigger", json={"external_ref": ref, "offer": key}) as response:
                return response.status, (await response.json(content_type=None)).get("status")

        answers = await asyncio.gather(*(trigger(next(nodes), ref, key) for ref in refs for _ in range(3) for key in ("gap-a", "gap-b")))
    _check_answered([http_status for http_status, _ in answers], (node1, node2))
    statuses = [status for _, status in answers]
    engine = create_engine(backend.database_url)
    try:
        async with create_session_factory(engine)() as session:
            per_customer = Counter(await session.scalars(select(OfferDelivery.subject_id)))
    finally:
        await engine.dispose()
    assert len(per_customer) == CUSTOMERS and set(per_customer.values()) == {1}
    assert Counter(statuses) == {"delivered": CUSTOMERS, "capped": CUSTOMERS * 5}
