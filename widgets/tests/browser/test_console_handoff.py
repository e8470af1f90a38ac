"""The whole handoff in a real browser: a visitor on the demo shop and an agent in the console, in two
browser contexts, against a running server and the real bot."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.support.agent import PASSWORD, add_agent

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

XSS_PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '"><svg onload="window.__xss=3">',
    "<a href=\"javascript:window.__xss=4\">click me</a>",
    "<iframe srcdoc=\"<script>parent.__xss=5</script>\"></iframe>",
    "{{constructor.constructor('window.__xss=6')()}}",
]


@pytest.fixture
async def node(sqlite_backend, make_node, rasa):
    node = await make_node(sqlite_backend, rasa_url=rasa.rasa_url)
    await add_agent(sqlite_backend.database_url, "anna@shop.test", name="Anna", languages=["en"])
    return node


def watch_errors(page: Page, errors: list[str]) -> None:
    def console_error(msg) -> None:
        # The console's silent session resume asks /api/agent/refresh first; without a cookie that is a 401.
        if msg.type == "error" and "status of 401" not in msg.text:
            errors.append(f"console: {msg.text}")

    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", console_error)
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))


async def log_in(console: Page, base_url: str) -> None:
    await console.goto(f"{base_url}/console")
    await console.get_by_label("Email").fill("anna@shop.test")
    await console.get_by_label("Password").fill(PASSWORD)
    await console.get_by_role("button", name="Log in").click()
    await expect(console.get_by_text("Anna", exact=True).first).to_be_visible()


async def open_chat(shop: Page, base_url: str) -> None:
    await shop.goto(f"{base_url}/demo")
    await shop.get_by_role("button", name="Open chat").click()


async def send(shop: Page, text: str) -> None:
    box = shop.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def test_a_whole_handoff_between_the_shop_and_the_console(node, browser, screenshots):
    errors: list[str] = []
    agent_context = await browser.new_context(viewport={"width": 1280, "height": 800})
    visitor_context = await browser.new_context()
    console = await agent_context.new_page()
    shop = await visitor_context.new_page()
    watch_errors(console, errors)
    watch_errors(shop, errors)

    await log_in(console, node.base_url)
    await open_chat(shop, node.base_url)
    log = shop.get_by_role("log")

    # The bot part.
    await send(shop, "where is my order 1002?")
    await expect(log).to_contain_text("1002 has shipped", timeout=20_000)
    # The visitor signs in on the shop page (the demo's stand-in for a login, unsigned: the visitor's own claim).
    await shop.get_by_role("button", name="Sign in as Jane").click()
    await expect(shop.locator(".sign-in-button")).to_have_text("Jane Doe")

    # The visitor asks for a person; Anna is online and gets the chat with a notification.
    await shop.get_by_role("button", name="Talk to a person").click()
    await expect(shop.locator(".subtitle")).to_have_text("Anna from the shop team", timeout=20_000)
    await expect(console).to_have_title(re.compile(r"^\(\d+\) Agent console$"), timeout=10_000)
    await console.get_by_role("tab", name="Mine").click()
    await expect(console.locator("button.conv").first).to_contain_text("Jane Doe")  # named after who signed in
    await console.locator("button.conv").first.click()
    thread = console.get_by_role("log", name="Conversation")
    await expect(thread).to_contain_text("where is my order 1002?")
    await expect(thread).to_contain_text("1002 has shipped")  # the bot part is there: nobody repeats anything
    # Who it is, and that nobody vouched for it: Anna checks before she shares an order's details.
    customer = console.get_by_role("complementary", name="Customer")
    await expect(customer).to_contain_text("Jane Doe")
    await expect(customer).to_contain_text("Not verified: the visitor's own claim")

    # They chat, each seeing the other typing.
    reply_box = console.get_by_label("Reply")
    await reply_box.press_sequentially("Hi, I'm Anna. ")
    await expect(shop.locator(".typing")).to_have_text("Anna is typing…", timeout=10_000)
    await reply_box.fill("Hi, I'm Anna. How can I help with order 1002?")
    await console.get_by_role("button", name="Send", exact=True).click()
    await expect(log).to_contain_text("How can I help with order 1002?", timeout=10_000)
    await shop.get_by_label("Your message").press_sequentially("Please deliver it to my office ")
    await expect(console.get_by_text("Visitor is typing…")).to_be_visible(timeout=10_000)
    await shop.get_by_label("Your message").press("Enter")
    await expect(thread).to_contain_text("Please deliver it to my office", timeout=10_000)
    await expect(shop.get_by_role("log").get_by_text("Seen", exact=True)).to_be_visible(timeout=10_000)
    await console.screenshot(path=screenshots / "console-conversation.png")

    # Anna hands back; the bot greets the visitor with the context and answers again.
    await console.get_by_role("button", name="Hand back to bot").click()
    await console.get_by_label("Resolution").select_option("order_issue")
    await console.get_by_role("button", name="Hand back", exact=True).click()
    await expect(log).to_contain_text("I'm back!", timeout=20_000)
    await expect(log).to_contain_text("order 1002 (order issue)")
    await send(shop, "which payment methods do you accept?")
    await expect(log).to_contain_text("PayPal", timeout=20_000)
    await shop.screenshot(path=screenshots / "shop-after-handback.png")
    assert errors == []
    await agent_context.close()
    await visitor_context.close()


async def test_hostile_text_is_shown_as_text_in_the_console_and_the_widget(node, browser):
    errors: list[str] = []
    agent_context = await browser.new_context(viewport={"width": 1280, "height": 800})
    visitor_context = await browser.new_context()
    console = await agent_context.new_page()
    shop = await visitor_context.new_page()
    watch_errors(console, errors)
    watch_errors(shop, errors)
    await log_in(console, node.base_url)
    await open_chat(shop, node.base_url)
    await shop.get_by_role("button", name="Talk to a person").click()
    await expect(shop.locator(".subtitle")).to_have_text("Anna from the shop team", timeout=20_000)
    await console.get_by_role("tab", name="Mine").click()
    await console.locator("button.conv").first.click()
    thread = console.get_by_role("log", name="Conversation")

    for payload in XSS_PAYLOADS:
        await send(shop, payload)
        await expect(thread.get_by_text(payload, exact=True)).to_be_visible(timeout=10_000)
    for payload in XSS_PAYLOADS:
        await console.get_by_label("Reply").fill(payload)
        await console.get_by_role("button", name="Send", exact=True).click()
        await expect(shop.get_by_role("log").get_by_text(payload, exact=True)).to_have_count(2, timeout=10_000)

    for page in (console, shop):
        assert await page.evaluate("window.__xss") is None
        assert await page.locator("img[src=x], svg[onload], iframe[srcdoc], a[href^=javascript]").count() == 0
    # The list preview in the console is text too.
    await expect(console.locator("button.conv").first).to_contain_text("{{constructor.constructor")
    assert errors == []
    await agent_context.close()
    await visitor_context.close()
