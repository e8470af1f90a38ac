"""The bot API tells an order's details (amounts, items, carrier, tracking number) only to the
conversation of the visitor identified as the order's customer; anyone else learns its status."""

from __future__ import annotations

import aiohttp

from tests.support.orders import own_order
from tests.support.visitor import Visitor

TRACKING = "JD014600006281230002"  # order 1002 of the demo seed, shipped with DHL


async def test_an_orders_details_go_only_to_its_customers_conversation(sqlite_backend, make_node, bot_api_token):
    node = await make_node(sqlite_backend)
    owner = await Visitor.start(node.base_url)
    await own_order(sqlite_backend.database_url, owner, "1002")
    owner_conversation = (await owner.say("hi"))["conversation_id"]
    stranger = await Visitor.start(node.base_url)
    stranger_conversation = (await stranger.say("hi"))["conversation_id"]

    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {bot_api_token}"}) as http:
        async def order(params: dict[str, str]) -> dict:
            async with http.get(f"{node.base_url}/api/bot/orders/1002", params=params) as response:
                assert response.status == 200, await response.text()
                return await response.json()

        mine = await order({"conversation": owner_conversation})
        told_to_others = [await order({"conversation": stranger_conversation}), await order({}),
                          await order({"conversation": "not-a-conversation"})]

    assert mine["for_customer"] and mine["withheld"] == []
    assert (mine["carrier"], mine["tracking_number"], mine["total"], mine["currency"]) == ("DHL", TRACKING, "118.00", "EUR")
    assert [i["name"] for i in mine["items"]] == ["Merino wool sweater", "Wool scarf"]
    for answer in told_to_others:
        assert (answer["number"], answer["status"], answer["for_customer"]) == ("1002", "shipped", False)
        assert answer["estimated_delivery"] == mine["estimated_delivery"]
        assert [answer[k] for k in ("carrier", "tracking_number", "total", "currency", "items")] == [None] * 5
        assert answer["withheld"] == ["carrier", "currency", "items", "total", "tracking_number"]
        assert TRACKING not in str(answer)
