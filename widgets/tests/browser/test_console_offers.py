"""A supervisor defines an offer in the console, a visitor gets it, and the results show up in the
Offers section as a chart and a table per arm, and as a CSV download."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import expect

from livechat.api.appkeys import SERVICES
from livechat.interaction_log import record
from tests.support.agent import add_agent
from tests.support.visitor import Visitor
from widgets.tests.browser.test_console_handoff import watch_errors
from widgets.tests.browser.test_accessibility import axe_violations
from widgets.tests.browser.test_console_supervisor import log_in_as

pytestmark = [pytest.mark.browser]


async def test_a_supervisor_defines_an_offer_and_reads_its_results(sqlite_backend, make_node, browser, screenshots):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "sue@shop.test", name="Sue", role="supervisor")
    errors: list[str] = []
    # bypass_csp: axe-core is injected by the test.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=True)
    console = await context.new_page()
    watch_errors(console, errors)
    await log_in_as(console, node.base_url, "sue@shop.test")
    await console.get_by_role("tab", name="Offers").click()
    offers = console.get_by_role("tabpanel", name="Offers")
    await expect(offers).to_contain_text("No offers yet")

    form = console.get_by_role("form", name="New offer")
    await form.get_by_label("Key").fill("Exit Rescue")
    await form.get_by_label("Name").fill("Exit rescue")
    await form.get_by_label("Trigger").select_option("exit_intent")
    await form.get_by_label("Card title").fill("Before you go")
    await form.get_by_label("Card text").fill("Here is 10% off your order.")
    await form.get_by_label("Code", exact=True).select_option("pool")
    await form.get_by_label("Holdout %").fill("0")
    await form.get_by_role("button", name="Create offer").click()
    await expect(form.get_by_role("alert")).to_contain_text("The key is lowercase letters")
    await form.get_by_label("Key").fill("exit-rescue")
    await form.get_by_role("button", name="Create offer").click()
    await expect(form.get_by_role("alert")).to_contain_text("unique codes")
    await form.get_by_label("Unique codes").fill("EXIT-1\nEXIT-2")
    await form.get_by_role("button", name="Create offer").click()
    card = offers.get_by_role("article", name="Exit rescue")
    await expect(card).to_contain_text("Exit intent · holdout 0%")
    await expect(card.locator("canvas")).to_have_count(2)
    await expect(card.get_by_role("img", name="Uplift over the holdout for Exit rescue: not enough data yet")).to_be_visible()

    # A visitor leaves the page, gets the card with a code and orders with it.
    visitor = await Visitor.start(node.base_url)
    await visitor.call("track", {"event": "exit_intent", "props": {}})
    [message] = await visitor.wait_for(lambda: [m for m in visitor.received if (m["payload"] or {}).get("type") == "offer"], what="the card")
    async with node.app[SERVICES].transaction() as tx:
        record(tx, "order.placed", visitor_id=uuid.UUID(visitor.visitor_id),
               data={"order_id": "W-9", "total_cents": 7000, "currency": "EUR", "discount_codes": [message["payload"]["code"]]})

    await console.get_by_role("tab", name="Conversations").click()
    await console.get_by_role("tab", name="Offers").click()
    row = card.locator("tr[data-arm=A]")
    await expect(row).to_contain_text("100.0% (1/1)")
    await expect(row).to_contain_text("1 delivered · 0 shown · 0 clicked · 0 accepted · 1 redeemed")
    await expect(card.locator("tr[data-arm=holdout]")).to_contain_text("Control group: gets nothing")
    await expect(card).to_contain_text("1 handed out")
    await console.screenshot(path=screenshots / "console-offers.png", full_page=True)
    assert await axe_violations(console, "#panel-offers") == [], "the Offers section"

    async with console.expect_download() as downloading:
        await offers.get_by_role("button", name="Download CSV").click()
    download = await downloading.value
    text = open(await download.path()).read()
    assert text.splitlines()[0].startswith("offer,arm,assigned,converted") and "exit-rescue,A,1,1" in text
    assert errors == []
    await visitor.disconnect()
    await context.close()
