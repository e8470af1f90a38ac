"""The bot API tells an order's details (amounts, items, carrier, tracking number) only to the
conversation of the visitor identified as the order's customer; anyone else learns its status."""

from __future__ import annotations

import uuid

import aiohttp
from sqlalchemy import update

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Order, Visitor as VisitorRow
from livechat.visitor_privacy import identity_hash
from tests.support.orders import own_order
from tests.support.visitor import Visitor

TRACKING = "JD014600006281230002"  # order 1002 of the demo seed, shipped with DHL


async def _order_1002(base_url: str, token: str, params: dict[str, str]) -> dict:
    """Order 1002 as the bot API tells it to the conversation in params (if any)."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{base_url}/api/bot/orders/1002", params=params) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def test_an_orders_details_go_only_to_its_customers_conversation(sqlite_backend, make_node, bot_api_token):
    node = await make_node(sqlite_backend)
    owner = await Visitor.start(node.base_url)
    await own_order(sqlite_backend.database_url, owner, "1002")
    owner_conversation = (await owner.say("hi"))["conversation_id"]
    stranger = await Visitor.start(node.base_url)
    stranger_conversation = (await stranger.say("hi"))["conversation_id"]

    mine = await _order_1002(node.base_url, bot_api_token, {"conversation": owner_conversation})
    told_to_others = [await _order_1002(node.base_url, bot_api_token, params)
                      for params in ({"conversation": stranger_conversation}, {}, {"conversation": "not-a-conversation"})]

    assert mine["for_customer"] and mine["withheld"] == [] and not mine["placed_as_guest"]
    assert (mine["carrier"], mine["tracking_number"], mine["total"], mine["currency"]) == ("DHL", TRACKING, "118.00", "EUR")
    assert [i["name"] for i in mine["items"]] == ["Merino wool sweater", "Wool scarf"]
    for answer in told_to_others:
        assert (answer["number"], answer["status"], answer["for_customer"]) == ("1002", "shipped", False)
        assert answer["estimated_delivery"] == mine["estimated_delivery"]
        assert [answer[k] for k in ("carrier", "tracking_number", "total", "currency", "items")] == [None] * 5
        assert answer["withheld"] == ["carrier", "currency", "items", "total", "tracking_number"]
        assert TRACKING not in str(answer) and not answer["placed_as_guest"]


async def test_a_guest_orders_details_go_to_nobody_through_the_bot(sqlite_backend, make_node, bot_api_token):
    node = await make_node(sqlite_backend)
    visitor = await Visitor.start(node.base_url)
    conversation = (await visitor.say("hi"))["conversation_id"]
    answer = await _order_1002(node.base_url, bot_api_token, {"conversation": conversation})  # the demo seed's orders have no customer
    assert (answer["status"], answer["placed_as_guest"], answer["for_customer"], answer["tracking_number"]) == ("shipped", True, False, None)


async def test_where_the_shop_verifies_identification_only_a_signed_link_gets_the_details(sqlite_backend, make_node, bot_api_token):
    secret = "shop-identity-secret-0123456789"
    node = await make_node(sqlite_backend, identity_secret=secret)
    signed = await Visitor.start(node.base_url)
    await signed.call("consent", {"purpose": "identification", "granted": True})
    identified = await signed.call("identify", {"external_id": "cust-7", "identity_hash": identity_hash(secret, "cust-7", None)})
    assert identified["ok"], identified
    # A link made before the shop turned verification on: the visitor's own claim, to the same customer.
    claimed = await Visitor.start(node.base_url)
    engine = create_engine(sqlite_backend.database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            customer = uuid.UUID(identified["customer_id"])
            await session.execute(update(Order).where(Order.number == "1002").values(customer_id=customer))
            await session.execute(update(VisitorRow).where(VisitorRow.id == uuid.UUID(claimed.visitor_id)).values(customer_id=customer))
    finally:
        await engine.dispose()

    mine = await _order_1002(node.base_url, bot_api_token, {"conversation": (await signed.say("hi"))["conversation_id"]})
    assert mine["for_customer"] and mine["tracking_number"] == TRACKING
    unsigned = await _order_1002(node.base_url, bot_api_token, {"conversation": (await claimed.say("hi"))["conversation_id"]})
    assert not unsigned["for_customer"] and unsigned["tracking_number"] is None and "tracking_number" in unsigned["withheld"]
