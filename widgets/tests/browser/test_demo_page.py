"""The demo shop page in a real browser, against a running server and the real bot."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from livechat.db.engine import create_engine, create_session_factory
from livechat.demo.seed import seed_demo_customer

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


@pytest.fixture
async def node(sqlite_backend, make_node, rasa):
    # As `livechat seed-demo` does: the demo orders belong to the demo shopper the page can sign in as.
    engine = create_engine(sqlite_backend.database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await seed_demo_customer(session)
    finally:
        await engine.dispose()
    return await make_node(sqlite_backend, rasa_url=rasa.rasa_url)


async def test_a_visitor_asks_for_an_order_and_keeps_the_history(node, browser, screenshots):
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    await page.goto(f"{node.base_url}/demo")
    await expect(page.get_by_role("heading", name="Merino wool sweater")).to_be_visible()
    await page.get_by_role("button", name="Open chat").click()
    chat_input = page.get_by_label("Your message")
    await expect(chat_input).to_be_focused()

    await chat_input.fill("where is my order 1002?")
    await chat_input.press("Enter")
    log = page.get_by_role("log")
    await expect(log).to_contain_text("where is my order 1002?")
    await expect(log).to_contain_text("shipped", timeout=20_000)
    # A stranger may type any order number: no tracking number, and where to get it.
    await expect(log).to_contain_text("sign in to your account")
    assert "DHL" not in await log.inner_text()

    # Signed in as the customer who placed the order (the page's stand-in for the shop's login), the
    # visitor asks again and gets the tracking number.
    await page.get_by_role("button", name="Sign in as Jane").click()
    await expect(page.get_by_role("status").filter(has_text="Signed in as Jane Doe")).to_have_count(1)
    await expect(page.locator(".sign-in-button")).to_have_text("Jane Doe")
    await chat_input.fill("where is my order #1002?")
    await chat_input.press("Enter")
    await expect(log).to_contain_text("DHL", timeout=20_000)
    await page.screenshot(path=screenshots / "demo-order-status.png")

    # Quick replies from the bot are buttons that work.
    await chat_input.fill("hi")
    await chat_input.press("Enter")
    shipping = page.get_by_role("button", name="Shipping", exact=False).last
    await expect(shipping).to_be_visible(timeout=20_000)
    await shipping.click()
    await expect(log).to_contain_text("deliver", timeout=20_000)

    # A reload keeps the panel open and shows the same conversation, without duplicates; so does a new tab.
    await page.reload()
    await expect(page.get_by_role("button", name="Close chat").first).to_be_visible()
    await expect(page.get_by_role("log")).to_contain_text("where is my order 1002?", timeout=10_000)
    await expect(page.get_by_role("log").get_by_text("where is my order 1002?", exact=True)).to_have_count(1)
    second_tab = await context.new_page()
    await second_tab.goto(f"{node.base_url}/demo")
    await second_tab.get_by_role("button", name="Open chat").click()
    await expect(second_tab.get_by_role("log")).to_contain_text("shipped", timeout=10_000)
    assert errors == []
    await context.close()
