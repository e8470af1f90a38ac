"""Widget features against the running server in a real browser: page and cart events from the demo
shop, offer cards with ShopChat.on('offer'), and the satisfaction rating after a chat closes."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from livechat.api.appkeys import SERVICES
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Conversation, InteractionEvent, SenderKind
from livechat.messages import append_message, lock_conversation
from tests.support.agent import AgentClient, add_agent

pytestmark = [pytest.mark.browser]


async def _events(database_url: str, prefix: str) -> list[InteractionEvent]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list(await session.scalars(select(InteractionEvent).where(InteractionEvent.type.like(f"{prefix}%")).order_by(InteractionEvent.id)))
    finally:
        await engine.dispose()


async def _wait_for(check, what: str, timeout_s: float = 10):
    for _ in range(int(timeout_s / 0.2)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_the_demo_shop_reports_page_views_and_cart_events(sqlite_backend, make_node, browser):
    node = await make_node(sqlite_backend)
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{node.base_url}/demo")
    await page.locator(".card[data-sku=SW-001] .add").click()
    await page.locator(".card[data-sku=MG-003] .add").click()
    async def three_events():
        events = await _events(sqlite_backend.database_url, "track.")
        return events if len(events) >= 3 else None

    events = await _wait_for(three_events, "a page view and two cart events")
    kinds = [(e.type, e.data.get("sku")) for e in events]
    assert ("track.page_view", None) in kinds
    assert [k for k in kinds if k[0] == "track.cart_add"] == [("track.cart_add", "SW-001"), ("track.cart_add", "MG-003")]
    assert len({e.visitor_id for e in events}) == 1
    # Tracking alone never loads the chat panel.
    assert await page.evaluate("[...document.scripts].some(s => s.src.includes('widget-panel'))") is False
    await context.close()


async def test_offer_cards_and_the_satisfaction_rating(sqlite_backend, make_node, browser):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "ann@shop.test", name="Ann")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{node.base_url}/demo")
    await page.evaluate("""() => {
        window.__offers = [];
        window.__messages = [];
        window.ShopChat.on("offer", (o) => window.__offers.push(o));
        window.ShopChat.on("message", (m) => window.__messages.push(m));
    }""")
    await page.get_by_role("button", name=re.compile("^Open chat")).click()
    await page.get_by_label("Your message").fill("do you have a discount for me?")
    await page.get_by_label("Your message").press("Enter")
    conv_id = await ann.wait_for_assignment()

    # An offer card, as the offers engine will send it (issue 6), arrives in the chat.
    offer = {"type": "offer", "offer_id": "welcome-10", "title": "10% off your next order", "text": "Just for you, this week.",
             "code": "WELCOME10", "cta": {"label": "Shop now", "url": f"{node.base_url}/demo"}}
    async with node.app[SERVICES].transaction() as tx:
        conv = await lock_conversation(tx, uuid.UUID(conv_id))
        await append_message(tx, conv, SenderKind.AGENT, text="Here is something for you:", payload=offer, sender_id=ann.id)
    card = page.get_by_role("article", name="10% off your next order")
    await expect(card).to_be_visible(timeout=10_000)
    await expect(card.locator("code")).to_have_text("WELCOME10")
    await expect(card.get_by_role("link", name="Shop now")).to_have_attribute("href", f"{node.base_url}/demo")
    offers = await page.evaluate("window.__offers")
    assert offers and offers[0]["offer_id"] == "welcome-10", (offers, await page.evaluate("window.__messages"))
    shown = await _wait_for(lambda: _events(sqlite_backend.database_url, "track.offer_shown"), "offer_shown")
    assert shown[0].data == {"offer_id": "welcome-10"}

    # Ann closes the chat: the visitor is asked for a rating, once.
    await ann.ok("close", {"conversation_id": conv_id, "resolution": "resolved"})
    rating = page.get_by_role("group", name="How did we do?")
    await expect(rating).to_be_visible(timeout=10_000)
    five = page.get_by_role("radio", name="5 stars")
    # The radios are visually hidden behind their star labels, which is what a visitor clicks.
    await page.locator(f"label[for='{await five.get_attribute('id')}']").click()
    await expect(five).to_be_checked()
    await page.get_by_label("Comment").fill("Fast and kind")
    await page.get_by_role("button", name="Send rating").click()
    await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
    engine = create_engine(sqlite_backend.database_url)
    async with create_session_factory(engine)() as session:
        stored = await session.get(Conversation, uuid.UUID(conv_id))
    await engine.dispose()
    assert (stored.csat_rating, stored.csat_comment) == (5, "Fast and kind")
    await page.reload()  # the panel stays open across the reload
    await expect(page.get_by_role("log")).to_contain_text("Here is something for you:")
    await expect(page.get_by_role("group", name="How did we do?")).to_have_count(0)
    await context.close()
