"""Strangers are kept out and floods are cut off: a wrong origin cannot open the widget socket when an
allow-list is set, one connection cannot send without limit, one address cannot open sessions or
sockets without limit (across nodes when Redis is shared), and the limits answer with clear errors."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import socketio

from tests.support.visitor import Visitor


async def _session(base_url: str, origin: str | None = None) -> tuple[int, dict]:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http, http.post(f"{base_url}/api/visitor/session", json={}, headers=headers) as response:
        return response.status, await response.json()


async def test_a_foreign_origin_cannot_open_the_widget_socket(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, allowed_origins=["https://shop.example"])
    _, session = await _session(node.base_url)
    for origin, allowed in (("https://shop.example", True), ("https://evil.example", False), ("https://shop.example.evil.example", False)):
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(node.base_url, namespaces=["/visitor"], auth={"token": session["visitor_token"]},
                                 headers={"Origin": origin}, transports=["websocket"], wait_timeout=5)
            connected = True
        except socketio.exceptions.ConnectionError:
            connected = False
        finally:
            if client.connected:
                await client.disconnect()
        assert connected is allowed, origin


async def test_one_connection_cannot_flood(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, socket_events_per_10s=20)
    visitor = await Visitor.start(node.base_url)
    acks = await asyncio.gather(*(visitor.call("typing", {"typing": i % 2 == 0}) for i in range(30)))
    limited = [a for a in acks if not a["ok"]]
    assert len(limited) == 10 and all(a["error"]["code"] == "rate_limited" and a["error"]["retry_after_s"] >= 1 for a in limited)
    # Another visitor on the same node is not affected.
    other = await Visitor.start(node.base_url)
    assert (await other.say("hello"))["text"] == "hello"


@pytest.mark.parametrize("kind", ["sqlite", "postgres+redis"])
async def test_one_address_cannot_open_sessions_or_sockets_without_limit(kind, request, tmp_path, make_node):
    from tests.fixtures import _prepare_backend

    backend = await _prepare_backend(kind, tmp_path, request)
    limits = {"visitor_sessions_per_ip_per_min": 5, "socket_connects_per_ip_per_min": 4}
    first = await make_node(backend, **limits)
    nodes = [first, await make_node(backend, **limits)] if backend.redis_url else [first]
    _, session = await _session(first.base_url)

    outcomes, clients = [], []
    for i in range(6):  # alternating nodes: with shared Redis the address is counted across both
        client = socketio.AsyncClient(reconnection=False)
        refusals: list = []
        client.on("connect_error", refusals.append, namespace="/visitor")
        try:
            await client.connect(nodes[i % len(nodes)].base_url, namespaces=["/visitor"], auth={"token": session["visitor_token"]},
                                 transports=["websocket"], wait_timeout=5)
            clients.append(client)
            outcomes.append("connected")
        except socketio.exceptions.ConnectionError as exc:
            code = refusals[0].get("data", {}).get("code") if refusals and isinstance(refusals[0], dict) else None
            outcomes.append("refused" if code == "rate_limited" else f"other: {exc} {refusals}")
    for client in clients:
        await client.disconnect()
    assert outcomes == ["connected"] * 4 + ["refused"] * 2

    statuses = [(await _session(nodes[i % len(nodes)].base_url))[0] for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2  # five sessions a minute, the first one included
    status, body = await _session(first.base_url)
    assert status == 429 and body["error"]["code"] == "rate_limited" and body["error"]["retry_after_s"] >= 1
