"""The widget on hostile and right-to-left pages, and through a server restart, in a real browser."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Message

pytestmark = [pytest.mark.browser]

HOSTILE_CSS = """
  * { all: unset !important; font-family: "Comic Sans MS", cursive !important; color: #f0f !important; }
  button, input, textarea { display: none !important; visibility: hidden !important; }
  div { transform: rotate(7deg) scale(0.5) !important; font-size: 40px !important; line-height: 0 !important; }
  :host, ::slotted(*), [class] { z-index: -1 !important; opacity: 0.1 !important; }
  body::before { content: "hostile"; }
"""


def shop_page(*, lang: str = "en", css: str = "", attrs: str = "") -> str:
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Test shop</title>
<style>{css}</style></head><body><h1 id="title">Test shop</h1><p id="copy">Our products</p>
<script src="/widget/widget.js" data-site-key="test" {attrs}></script></body></html>"""


async def serve_page(page: Page, base_url: str, html: str, path: str = "/test-shop.html") -> None:
    """Serve a shop page from the chat server's origin (its scripts still come from the real server)."""
    async def fulfil(route):
        await route.fulfill(status=200, content_type="text/html", body=html)

    await page.route(f"{base_url}{path}", fulfil)
    await page.goto(f"{base_url}{path}")


def launcher(page: Page):
    return page.locator(".launcher")


async def test_a_hostile_stylesheet_neither_breaks_the_widget_nor_is_touched_by_it(sqlite_backend, make_node, browser, screenshots):
    node = await make_node(sqlite_backend)
    context = await browser.new_context()
    page = await context.new_page()
    await serve_page(page, node.base_url, shop_page(css=HOSTILE_CSS, attrs='data-color="#0b5cad"'))
    page_copy_before = await page.eval_on_selector("#copy", "e => getComputedStyle(e).cssText || getComputedStyle(e).color")

    await expect(launcher(page)).to_be_visible()
    box = await launcher(page).bounding_box()
    assert box and box["width"] >= 40 and box["height"] >= 40
    assert await launcher(page).evaluate("e => getComputedStyle(e).opacity") == "1"
    assert await launcher(page).evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 92, 173)"
    await launcher(page).click()
    box_input = page.get_by_label("Your message")
    await expect(box_input).to_be_visible()
    await expect(box_input).to_be_focused()
    assert await box_input.evaluate("e => getComputedStyle(e).display") != "none"
    assert "Comic" not in await box_input.evaluate("e => getComputedStyle(e).fontFamily")
    transform = await page.locator(".panel").evaluate("e => getComputedStyle(e).transform")
    assert transform in ("none", "matrix(1, 0, 0, 1, 0, 0)")
    # And the widget's own styles do not leak into the shop's page.
    assert await page.eval_on_selector("#copy", "e => getComputedStyle(e).cssText || getComputedStyle(e).color") == page_copy_before
    assert await page.evaluate("[...document.styleSheets].every(s => !s.ownerNode || !s.ownerNode.closest || s.ownerNode.closest('head, body'))")
    await page.screenshot(path=screenshots / "widget-hostile-css.png")
    await context.close()


async def test_arabic_is_right_to_left(sqlite_backend, make_node, browser, screenshots):
    node = await make_node(sqlite_backend)
    context = await browser.new_context()
    page = await context.new_page()
    await serve_page(page, node.base_url, shop_page(lang="ar"))
    await launcher(page).click()
    panel = page.locator(".panel")
    await expect(panel).to_have_attribute("dir", "rtl")
    chat_input = page.locator("textarea, input[type=text]").first
    await chat_input.fill("مرحبا، أين طلبي 1002؟ (order 1002)")
    await chat_input.press("Enter")
    mine = page.locator(".msg.visitor").first
    await expect(mine).to_contain_text("مرحبا")
    # The visitor's own messages sit at the end of the line: on the left in right-to-left.
    panel_box, mine_box = await panel.bounding_box(), await mine.bounding_box()
    assert mine_box["x"] - panel_box["x"] < (panel_box["x"] + panel_box["width"]) - (mine_box["x"] + mine_box["width"])
    assert await page.locator(".panel").evaluate("e => getComputedStyle(e).direction") == "rtl"
    await page.screenshot(path=screenshots / "widget-arabic-rtl.png")
    await context.close()


async def _stored_texts(database_url: str, conversation_texts: list[str]) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(select(Message.text, func.count()).where(Message.text.in_(conversation_texts)).group_by(Message.text))
            return dict(rows.all())
    finally:
        await engine.dispose()


async def test_messages_typed_while_the_server_restarts_are_sent_once_in_order(sqlite_backend, make_node, browser):
    node = await make_node(sqlite_backend)
    port = int(node.base_url.rsplit(":", 1)[1])
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{node.base_url}/demo")
    await page.get_by_role("button", name=re.compile("^Open chat")).click()
    chat_input = page.get_by_label("Your message")
    await chat_input.fill("first, before the restart")
    await chat_input.press("Enter")
    log = page.get_by_role("log")
    await expect(log).to_contain_text("first, before the restart")
    await asyncio.sleep(0.5)

    await node.stop()
    offline = ["second, while the server is down", "third, still down"]
    for text in offline:
        await chat_input.fill(text)
        await chat_input.press("Enter")
    await expect(log).to_contain_text(offline[-1])
    await asyncio.sleep(1.0)
    restarted = await make_node(sqlite_backend, port=port)
    assert restarted.base_url == node.base_url

    texts = ["first, before the restart", *offline]
    for _ in range(100):
        stored = await _stored_texts(sqlite_backend.database_url, texts)
        if len(stored) == 3:
            break
        await asyncio.sleep(0.2)
    assert stored == {text: 1 for text in texts}
    # Shown once each, in the order typed, after the widget caught up.
    await page.reload()
    await expect(log.get_by_text(offline[-1], exact=True)).to_have_count(1, timeout=10_000)
    shown = await page.locator(".msg.visitor").all_inner_texts()
    positions = [next(i for i, s in enumerate(shown) if t in s) for t in texts]
    assert positions == sorted(positions)
    await context.close()
