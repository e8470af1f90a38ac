"""What an operator watches: Prometheus metrics at /metrics, and /health reporting the database, Redis,
Redis's listener (which python-socketio can lose without a word) and Rasa."""

from __future__ import annotations

import asyncio

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from livechat.api.appkeys import SERVICES
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def _eventually(probe, timeout_s: float = 15):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await probe()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in text_string_to_metric_families(text) for s in family.samples}


async def _scrape(base_url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/metrics", headers=headers) as response:
        return response.status, await response.text()


async def test_metrics_count_connections_messages_queue_and_errors(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)  # Rasa unreachable: the bot turn fails and the chat is queued
    visitor = await Visitor.start(node.base_url)
    await visitor.say("hello?")
    refused = await visitor.call("message", {"text": "", "client_id": "c-empty"})
    assert refused["ok"] is False

    async def queued() -> dict:
        status, text = await _scrape(node.base_url)
        assert status == 200
        samples = _samples(text)
        return samples if samples[("livechat_queue_length", ())] == 1 else {}
    samples = await _eventually(queued)
    assert samples[("livechat_connections", (("namespace", "/visitor"),))] == 1
    assert samples[("livechat_messages_total", (("sender", "visitor"),))] == 1
    assert samples[("livechat_queue_length", ())] == 1
    assert samples[("livechat_bot_turn_seconds_count", (("outcome", "failed"),))] == 1
    assert samples[("livechat_errors_total", (("channel", "socket"), ("code", refused["error"]["code"])))] == 1
    assert samples[("livechat_interaction_events_total", ())] >= 3  # session, conversation, message at least

    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    await ann.wait_for_assignment()
    samples = _samples((await _scrape(node.base_url))[1])
    assert samples[("livechat_connections", (("namespace", "/agent"),))] == 1
    assert samples[("livechat_queue_length", ())] == 0


async def test_metrics_can_require_a_token(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, metrics_token="scrape-secret-123")
    assert (await _scrape(node.base_url))[0] == 401
    assert (await _scrape(node.base_url, "wrong"))[0] == 401
    assert (await _scrape(node.base_url, "scrape-secret-123"))[0] == 200


async def test_health_reports_a_dead_redis_listener(backend, make_node):
    node = await make_node(backend)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base_url}/health") as response:
            body = await response.json()
            assert response.status == 200 and body["checks"]["database"] == "ok"
        if backend.redis_url is None:
            assert "redis_listener" not in body["checks"]
            return
        assert body["checks"]["redis"] == "ok" and body["checks"]["redis_listener"] == "ok"
        # The listener task ends (as when python-socketio's listen() gives up): the node is unhealthy.
        listener = node.app[SERVICES].sio.manager.thread
        listener.cancel()
        async with http.get(f"{node.base_url}/health") as response:
            body = await response.json()
            assert response.status == 503 and body["checks"]["redis_listener"] == "dead"


async def test_json_logs_carry_the_conversation_id(sqlite_backend, make_node, capsys):
    import json
    import logging

    from livechat.logging_setup import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO", json=True)  # its handler writes to the stderr capsys captures
    try:
        node = await make_node(sqlite_backend)  # Rasa unreachable: the bridge logs a warning about this conversation
        visitor = await Visitor.start(node.base_url)
        conversation_id = (await visitor.say("hello?"))["conversation_id"]

        async def logged() -> list[dict]:
            lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
            logged.lines += lines
            return [entry for entry in logged.lines if entry.get("conversation_id") == conversation_id]
        logged.lines = []
        entries = await _eventually(logged)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert any(e["level"] == "warning" and "bot unavailable" in e["event"] and e["logger"] == "livechat.bot_bridge" for e in entries), entries
