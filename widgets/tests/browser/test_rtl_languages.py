"""Right to left from end to end: a visitor writes Persian or Arabic in the widget, the real bot answers in
that language, the chat goes to an agent who speaks it, and both the widget and the console lay it out
right to left."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.support.agent import PASSWORD, add_agent
from widgets.tests.browser.test_console_handoff import watch_errors
from widgets.tests.browser.test_widget_robustness import launcher, serve_page, shop_page

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

CHATS = {
    "fa": {
        "agent": "Dara",
        "question": "سلام، سفارش ۱۰۰۲ من کجاست؟",
        "answer_word": "سفارش",
        "ask_person": "لطفا من را به یک اپراتور وصل کنید، می‌خواهم با یک آدم صحبت کنم",
        "reply": "سلام، من دارا هستم. سفارش شما فردا می‌رسد.",
    },
    "ar": {
        "agent": "Layla",
        "question": "مرحبا، وين طلبي رقم 1002؟",
        "answer_word": "الطلب",
        "ask_person": "ابغى اكلم موظف خدمة العملاء لو سمحت",
        "reply": "أهلاً، أنا ليلى. طلبك سيصل غداً.",
    },
}


def direction(locator) -> object:
    return locator.evaluate("e => getComputedStyle(e).direction")


async def log_in(console: Page, base_url: str, email: str, name: str) -> None:
    await console.goto(f"{base_url}/console")
    await console.get_by_label("Email").fill(email)
    await console.get_by_label("Password").fill(PASSWORD)
    await console.get_by_role("button", name="Log in").click()
    await expect(console.get_by_text(name, exact=True).first).to_be_visible()


@pytest.mark.parametrize("language", ["fa", "ar"])
async def test_a_right_to_left_chat_from_the_widget_to_the_console(sqlite_backend, make_node, rasa, browser, screenshots, language):
    chat = CHATS[language]
    node = await make_node(sqlite_backend, rasa_url=rasa.rasa_url)
    email = f"{chat['agent'].lower()}@shop.test"
    await add_agent(sqlite_backend.database_url, "sam@shop.test", name="Sam", languages=["en"])
    await add_agent(sqlite_backend.database_url, email, name=chat["agent"], languages=[language, "en"])
    errors: list[str] = []
    agent_context = await browser.new_context(viewport={"width": 1280, "height": 800})
    visitor_context = await browser.new_context()
    console = await agent_context.new_page()
    shop = await visitor_context.new_page()
    watch_errors(console, errors)
    watch_errors(shop, errors)
    await log_in(console, node.base_url, email, chat["agent"])

    await serve_page(shop, node.base_url, shop_page(lang=language))
    await launcher(shop).click()
    panel = shop.locator(".panel")
    await expect(panel).to_have_attribute("dir", "rtl")
    box = shop.locator("textarea, input[type=text]").first
    await box.fill(chat["question"])
    await box.press("Enter")
    # The bot answers in the visitor's language, from the order in the database (its status: the
    # visitor is not identified as the order's customer).
    answer = shop.locator(".msg.bot .bubble").filter(has_text="1002").first
    await expect(answer).to_contain_text(chat["answer_word"], timeout=20_000)
    assert await direction(answer) == "rtl"
    assert await direction(shop.locator(".msg.visitor .bubble").first) == "rtl"

    await box.fill(chat["ask_person"])
    await box.press("Enter")
    await expect(shop.locator(".subtitle")).to_contain_text(chat["agent"], timeout=20_000)

    # The agent who speaks the language has it, sees its language and reads it right to left.
    await console.get_by_role("tab", name="Mine").click()
    conv = console.locator("button.conv").first
    await expect(conv.locator(".lang")).to_have_text(language.upper())
    await conv.click()
    thread = console.get_by_role("log", name="Conversation")
    await expect(thread).to_contain_text(chat["question"])
    for bubble in (thread.locator(".msg.visitor .bubble").first, thread.locator(".msg.bot .bubble").first):
        assert await direction(bubble) == "rtl"
    await console.get_by_label("Reply").fill(chat["reply"])
    await console.get_by_role("button", name="Send", exact=True).click()
    pending = thread.locator(".msg.agent .bubble").filter(has_text=chat["reply"])
    await expect(pending).to_have_attribute("dir", "auto")
    mine = thread.locator(".msg.agent:not(.pending) .bubble").filter(has_text=chat["reply"])
    await expect(mine).to_be_visible(timeout=10_000)
    assert await direction(mine) == "rtl"
    theirs = shop.locator(".msg.agent .bubble").filter(has_text=chat["reply"])
    await expect(theirs).to_be_visible(timeout=10_000)
    assert await direction(theirs) == "rtl"

    await shop.screenshot(path=screenshots / f"widget-{language}-rtl-chat.png")
    await console.screenshot(path=screenshots / f"console-{language}-rtl-chat.png")
    # A page fulfilled by Playwright's router counts as a public origin to Chromium, which blocks the
    # first websocket to 127.0.0.1 (socket.io then connects anyway); pages the server serves never see it.
    assert [e for e in errors if "ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS" not in e] == []
    await agent_context.close()
    await visitor_context.close()
