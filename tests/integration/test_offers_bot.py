"""A visitor asks the real Rasa bot for a discount: the bot's custom action asks this server which
offer fits the visitor, and replies with the offer card; held out or nothing fitting, the old answer."""

from __future__ import annotations

import pytest

from tests.integration.test_offers import _offers, _supervisor, offer
from tests.support.visitor import Visitor

pytestmark = pytest.mark.rasa

NO_OFFER_TEXT = "sign up for our newsletter"


async def test_a_discount_request_is_answered_with_the_offer_that_fits(sqlite_backend, make_node, rasa):
    node = await make_node(sqlite_backend, rasa_url=rasa.rasa_url)
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say("can i get a discount?")
    reply = await visitor.wait_for_reply_after(sent["seq"])
    assert NO_OFFER_TEXT in reply["text"] and reply["payload"] is None  # no offers defined yet

    sue = await _supervisor(node, sqlite_backend.database_url)
    await sue.rest("POST", "/api/agent/offers", json=offer(
        "ask-and-get", "discount_request", code_mode="pool", text="Here is 10% off, just for you.", valid_for_s=3600))
    await sue.rest("POST", "/api/agent/offers/ask-and-get/codes", json={"codes": ["ASK-1", "ASK-2"]})
    sent = await visitor.say("do you have any discount codes")
    reply = await visitor.wait_for_reply_after(sent["seq"])
    assert reply["sender"] == "bot" and reply["text"] == "Here is 10% off, just for you."
    assert {k: reply["payload"][k] for k in ("type", "offer_id", "code")} == {"type": "offer", "offer_id": "ask-and-get", "code": "ASK-1"}

    # Asked again: the cap of one per customer holds, so the general answer comes back.
    sent = await visitor.say("can you give me a discount")
    reply = await visitor.wait_for_reply_after(sent["seq"])
    assert NO_OFFER_TEXT in reply["text"]
    assert len(_offers(visitor)) == 1
    status, result = await sue.rest("GET", "/api/agent/offers/ask-and-get/report")
    assert result["arms"][0]["delivered"] == 1 and result["codes"] == {"codes_total": 2, "codes_free": 1}
