"""Accessibility in a real browser: axe-core finds no serious violations in the widget (open, with the
consent notice, in Arabic) or the agent console, and the widget works with the keyboard alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.agent import PASSWORD, add_agent
from widgets.tests.browser.test_widget_robustness import serve_page, shop_page

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


async def axe_violations(page: Page, context: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA and best practices) and return the serious and critical violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; ./scripts/test installs it with npm ci in widgets/.")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async (context) => {
            const r = await axe.run(context ? document.querySelector(context) : document,
              {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }""",
        context,
    )
    return [v for v in result if v["impact"] in SERIOUS]


@pytest.fixture
async def node(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "sue@shop.test", name="Sue", role="supervisor")
    return node


async def test_the_widget_on_the_demo_shop_has_no_serious_violations_and_works_by_keyboard(node, browser):
    # The demo page forbids inline scripts; axe is injected by the test, so this context bypasses the CSP.
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{node.base_url}/demo")
    launcher = page.locator(".launcher")
    await expect(launcher).to_be_visible()
    assert await axe_violations(page) == [], "the shop page with the closed widget"

    # Keyboard only: reach the launcher with Tab, open with Enter, type, close with Escape.
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await launcher.evaluate("e => e.getRootNode().activeElement === e"):
            break
    else:
        raise AssertionError("the launcher is not reachable with Tab")
    await page.keyboard.press("Enter")
    chat_input = page.get_by_label("Your message")
    await expect(chat_input).to_be_focused()
    await page.keyboard.type("hello from the keyboard")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("log")).to_contain_text("hello from the keyboard")
    await expect(page.get_by_role("log")).to_contain_text("Nobody from our team is online", timeout=15_000)
    violations = await axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    await page.keyboard.press("Escape")
    await expect(launcher).to_be_focused()
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_consent_notice_and_rtl_panel_have_no_serious_violations(node, browser, lang):
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    await serve_page(page, node.base_url, shop_page(
        lang=lang, attrs='data-require-consent="true" data-privacy-url="/privacy" data-color="#ffd400"'))
    await page.locator(".launcher").click()
    notice = page.get_by_role("region", name=re.compile("Privacy|خصوصية|الخصوصية"))
    await expect(notice).to_be_visible()
    violations = await axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    await context.close()


async def test_the_agent_console_has_no_serious_violations(node, browser):
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{node.base_url}/console")
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert await axe_violations(page) == [], "the login form"
    await page.get_by_label("Email").fill("sue@shop.test")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("[data-testid=agent-name]")).to_have_text("Sue")
    violations = await axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    await page.get_by_role("tab", name="Dashboard").click()
    await expect(page.locator("canvas[role=img]").first).to_be_visible()
    violations = await axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    await context.close()
