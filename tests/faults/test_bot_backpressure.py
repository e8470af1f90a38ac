"""Backpressure: Rasa answers far slower than visitors write (a throttling proxy in front of the real
Rasa, few turns at a time). Visitors' messages are still stored and acknowledged at once, they see the
bot typing and, when their turn waits, a notice instead of a timeout; every one gets the bot's answer;
one visitor typing faster than the bot answers does not grow a backlog; and past the node's bound new
chats go to people with a notice rather than wait without end."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web

from tests.support.visitor import Visitor

pytestmark = [pytest.mark.rasa]
DELAY_S = 1.5


class SlowRasa:
    """Forwards to the real Rasa, holding each bot turn DELAY_S longer."""

    def __init__(self, rasa_url: str) -> None:
        self._rasa_url = rasa_url
        self.turns = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        if request.path.startswith("/webhooks/"):
            self.turns += 1
            await asyncio.sleep(DELAY_S)
        async with aiohttp.ClientSession() as http, http.request(
            request.method, f"{self._rasa_url}{request.path_qs}", data=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() in ("content-type", "authorization")},
        ) as response:
            return web.Response(status=response.status, body=await response.read(), content_type=response.content_type)


@pytest.fixture
async def slow_rasa(rasa):
    proxy = SlowRasa(rasa.rasa_url)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_a_slow_bot_makes_visitors_wait_visibly_not_time_out(sqlite_backend, make_node, slow_rasa):
    node = await make_node(sqlite_backend, rasa_url=slow_rasa.url, rasa_max_concurrency=2, rasa_busy_notice_s=1.0, rasa_timeout_s=30)
    visitors = [await Visitor.start(node.base_url) for _ in range(8)]

    started = time.monotonic()
    acks = await asyncio.gather(*(v.call("message", {"client_id": f"hi-{i}", "text": "hello"}) for i, v in enumerate(visitors)))
    assert all(a["ok"] for a in acks) and time.monotonic() - started < DELAY_S, "stored and acknowledged without waiting for the bot"
    for visitor in visitors:
        await visitor.wait_for(lambda v=visitor: [t for t in v.typing if t["sender"] == "bot" and t["typing"]], timeout=5, what="bot typing")
    # Eight turns, two at a time, 1.5 s each: the last waits about 4.5 s, long past the 1 s notice.
    for visitor in visitors:
        await visitor.wait_for(lambda v=visitor: v.bot_messages(), timeout=30, what="the bot's answer")
    noticed = [v for v in visitors if any((m.get("payload") or {}).get("type") == "bot_busy" for m in v.received)]
    assert len(noticed) >= 4, "visitors whose turn waited were told their answer is coming"
    assert not any((m.get("payload") or {}).get("type") == "queued" for v in visitors for m in v.received), "nobody was sent to people"

    # One visitor writes ten messages while the bot is slow: at most a few turns wait, the newest last.
    eager = visitors[0]
    turns_before = slow_rasa.turns
    for n in range(10):
        assert (await eager.call("message", {"client_id": f"eager-{n}", "text": f"and another thing {n}"}))["ok"]
    await asyncio.sleep(DELAY_S * 6)
    assert slow_rasa.turns - turns_before <= 4


async def test_past_its_bound_a_node_sends_new_chats_to_people(sqlite_backend, make_node, slow_rasa):
    node = await make_node(sqlite_backend, rasa_url=slow_rasa.url, rasa_max_concurrency=1, rasa_max_waiting=3, rasa_timeout_s=30)
    visitors = [await Visitor.start(node.base_url) for _ in range(6)]
    acks = await asyncio.gather(*(v.call("message", {"client_id": f"hi-{i}", "text": "hello"}) for i, v in enumerate(visitors)))
    assert all(a["ok"] for a in acks)
    def queued(visitor: Visitor) -> bool:
        return any((m.get("payload") or {}).get("type") == "queued" for m in visitor.received)

    outcomes = []
    for visitor in visitors:
        await visitor.wait_for(lambda v=visitor: v.bot_messages() or queued(v), timeout=30, what="an answer or the queue")
        outcomes.append("bot" if visitor.bot_messages() else "people")
    assert outcomes.count("bot") == 3 and outcomes.count("people") == 3, outcomes
