"""The console beyond one chat: claiming from the waiting list with canned responses, the supervisor's
live dashboard, and the widget's leave-a-message form when nobody is online."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.support.agent import PASSWORD, add_agent
from widgets.tests.browser.test_console_handoff import open_chat, send, watch_errors

pytestmark = [pytest.mark.browser]


@pytest.fixture
async def node(sqlite_backend, make_node):
    # No bot in these tests: every chat goes straight to the people's queue.
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "sue@shop.test", name="Sue", role="supervisor")
    return node


async def log_in_as(page, base_url: str, email: str) -> None:
    await page.goto(f"{base_url}/console")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("[data-testid=agent-name]")).to_be_visible()


async def test_nobody_online_then_a_supervisor_claims_answers_with_a_canned_response_and_watches_the_dashboard(node, browser, screenshots):
    errors: list[str] = []
    shop_context = await browser.new_context()
    shop = await shop_context.new_page()
    watch_errors(shop, errors)
    await open_chat(shop, node.base_url)
    await send(shop, "hello, is anyone there?")

    # Nobody is online: the widget offers the leave-a-message form.
    form = shop.get_by_role("region", name="Leave a message")
    await expect(form).to_be_visible(timeout=15_000)
    await shop.get_by_label("Email", exact=True).fill("kim@example.com")
    await shop.get_by_label("Message", exact=True).fill("Please email me about bulk orders.")
    await shop.get_by_role("button", name="Send message").click()
    await expect(shop.locator(".leave-thanks")).to_contain_text("kim@example.com")

    console_context = await browser.new_context(viewport={"width": 1280, "height": 800})
    console = await console_context.new_page()
    watch_errors(console, errors)
    await log_in_as(console, node.base_url, "sue@shop.test")
    await console.get_by_label("Status").select_option("away")  # so the chat stays in Waiting to be claimed

    # A second visitor writes while Sue is away: the chat waits for someone to claim it.
    waiting_context = await browser.new_context()
    waiting = await waiting_context.new_page()
    watch_errors(waiting, errors)
    await open_chat(waiting, node.base_url)
    await send(waiting, "I need help with a return")

    # The offline conversation carries the visitor's email.
    await console.get_by_role("tab", name="Offline").click()
    await expect(console.locator("button.conv")).to_have_count(1)
    await expect(console.locator("button.conv").first).to_contain_text("kim@example.com")

    # Add a canned response on the dashboard, and see live figures drawn as charts.
    await console.get_by_role("tab", name="Dashboard").click()
    await console.get_by_label("Shortcut", exact=True).fill("returns")
    await console.get_by_label("Title", exact=True).fill("Returns")
    await console.get_by_label("Text", exact=True).fill("You can return anything within 30 days; I'll send you a label.")
    await console.get_by_role("button", name="Add canned response").click()
    await expect(console.locator("li[data-canned-id]")).to_have_count(1)
    queued = console.locator(".figure[data-figure=state_queued] dd")
    await expect(queued).to_have_text("2", timeout=10_000)
    await expect(console.locator("canvas[role=img]")).to_have_count(4)
    await console.screenshot(path=screenshots / "console-dashboard.png")

    # Claim the waiting chat and answer with /returns.
    await console.get_by_role("tab", name="Conversations").click()
    await console.get_by_role("tab", name="Waiting").click()
    await console.locator("button.conv").first.click()
    await console.get_by_role("button", name="Claim").click()
    await expect(waiting.locator(".subtitle")).to_have_text("Sue from the shop team", timeout=10_000)
    reply = console.get_by_label("Reply")
    await reply.fill("/ret")
    await expect(console.get_by_role("listbox", name="Canned responses").get_by_role("option").first).to_contain_text("Returns")
    await reply.press("Tab")
    await expect(reply).to_have_value("You can return anything within 30 days; I'll send you a label.")
    await reply.press("Enter")
    await expect(waiting.get_by_role("log")).to_contain_text("within 30 days", timeout=10_000)

    # The dashboard follows: one assigned, one still queued (offline), first response measured.
    await console.get_by_role("tab", name="Dashboard").click()
    await expect(console.locator(".figure[data-figure=state_assigned] dd")).to_have_text("1", timeout=10_000)
    await expect(console.locator(".figure[data-figure=first_response_p50] dd")).to_have_text(re.compile(r"\d"))
    assert errors == []
    for context in (shop_context, waiting_context, console_context):
        await context.close()
