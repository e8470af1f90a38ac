"""The pages we serve run no inline script and say so in their CSP, and the agent's refresh cookie is
out of scripts' and other sites' reach (Secure too once the server is public over https)."""

from __future__ import annotations

from html.parser import HTMLParser

import aiohttp
import pytest

from tests.support.agent import PASSWORD, add_agent


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.handlers += [f"{tag}[{name}]" for name in names if name.startswith("on")]
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.inline.append("<script> without src")
        if tag == "a" and (names.get("href") or "").strip().lower().startswith("javascript:"):
            self.handlers.append("javascript: link")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data.strip()[:40])


@pytest.mark.parametrize("path", ["/demo", "/console"])
async def test_pages_have_a_strict_csp_and_no_inline_script(sqlite_backend, make_node, path):
    node = await make_node(sqlite_backend)
    async with aiohttp.ClientSession() as http, http.get(f"{node.base_url}{path}") as response:
        assert response.status == 200
        html = await response.text()
        csp = response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]
    scripts = _Scripts()
    scripts.feed(html)
    assert scripts.inline == [] and scripts.handlers == []


@pytest.mark.parametrize(("public_url", "secure"), [(None, False), ("https://chat.shop.example", True)])
async def test_the_refresh_cookie_is_httponly_strict_and_secure_when_public(sqlite_backend, make_node, public_url, secure):
    node = await make_node(sqlite_backend, public_url=public_url)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    async with aiohttp.ClientSession() as http, http.post(
        f"{node.base_url}/api/agent/login", json={"email": "ann@shop.test", "password": PASSWORD}) as response:
        assert response.status == 200
        cookie = response.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path"} <= attributes and "samesite=strict" in cookie.lower().replace(" ", "")
    assert ("secure" in attributes) is secure
    assert "Path=/api/agent" in cookie
