"""Property-based fuzzing of every socket.io event handler, visitor and agent: random and malformed
payloads (wrong types, huge and hostile strings, deep JSON) always get an ack with a clear error code,
never a stack trace, and the node keeps serving real chat afterwards.

Hypothesis drives a synchronous test; the server node and the clients live on an event loop of their
own in a background thread, and each example is one round trip over a real websocket.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st

from livechat.app import create_app
from livechat.db.engine import create_engine, create_session_factory
from livechat.demo.seed import seed_demo
from livechat.realtime.agent_namespace import AgentNamespace
from livechat.realtime.visitor_namespace import VisitorNamespace
from livechat.settings import Settings
from tests.fixtures import free_port
from tests.support.agent import AgentClient, add_agent
from tests.support.backends import migrate
from tests.support.visitor import Visitor


def _events(namespace: type) -> list[str]:
    return sorted(name.removeprefix("on_") for name in vars(namespace) if name.startswith("on_") and name not in ("on_connect", "on_disconnect"))


VISITOR_EVENTS = _events(VisitorNamespace)
AGENT_EVENTS = _events(AgentNamespace)
HOSTILE_TEXT = st.sampled_from([
    "\u202egnp.exe", "a\u200b\u200c\u200db", "\ufeff", "\ud800", "\udfff", "x" * 5_000, "<script>alert(1)</script>", "' OR 1=1 --",
    "\x00", "🧨" * 300, "ﷺ", "\U0010ffff", "${jndi:ldap://x}", "../../etc/passwd",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=200), HOSTILE_TEXT,
    st.uuids().map(str),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=20) | st.sampled_from(
        ["conversation_id", "client_id", "text", "seq", "status", "rating", "event", "props", "purpose", "granted", "email",
         "agent_id", "team", "resolution", "after_seq", "is_typing", "quick_reply", "comment", "token"]), inner, max_size=6),
), max_leaves=25)


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"conversation_id": value, "list": [value]} if levels < 30 else [value]
    return value


class LoopThread:
    """An event loop running in a thread: the node and its clients live here for the whole module."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout_s: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopThread, Visitor, AgentClient, str]]:
    runner_loop = LoopThread()
    tmp = Path(tmp_path_factory.mktemp("fuzz"))
    url = f"sqlite+aiosqlite:///{tmp / 'livechat.db'}"
    port = free_port()

    async def start() -> tuple[web.AppRunner, Visitor, AgentClient]:
        await migrate(url)
        engine = create_engine(url)
        async with create_session_factory(engine)() as session, session.begin():
            await seed_demo(session)
        await engine.dispose()
        await add_agent(url, "fuzz@shop.test", role="supervisor")
        settings = Settings(database_url=url, rasa_url="http://127.0.0.1:9", secret_key="fuzz-secret-key-0123456789-0123456789",
                            data_dir=tmp / "data", port=port, socket_events_per_10s=1_000_000)
        runner = web.AppRunner(create_app(settings), shutdown_timeout=1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        return runner, await Visitor.start(base), await AgentClient.login(base, "fuzz@shop.test")

    runner, visitor, agent = runner_loop.run(start())
    try:
        yield runner_loop, visitor, agent, f"http://127.0.0.1:{port}"
    finally:
        async def stop() -> None:
            for client in (visitor.client, agent.client):
                if client.connected:
                    await client.disconnect()
            await runner.cleanup()
        runner_loop.run(stop())
        runner_loop.stop()


def _check_ack(ack: Any, event: str, payload: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, payload, ack)
    if not ack["ok"]:
        error = ack.get("error")
        assert isinstance(error, dict) and isinstance(error.get("code"), str) and error["code"], (event, payload, ack)
        shown = repr(ack)
        assert "Traceback" not in shown and 'File "' not in shown, (event, ack)
        assert error["code"] != "internal_error", (event, payload, ack)


async def _call(client, namespace: str, event: str, payload: Any) -> Any:
    if not client.client.connected:
        await client.connect()  # an oversize frame closes the socket: that is the refusal; come back
    return await client.client.call(event, payload, namespace=namespace, timeout=15)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(event=st.sampled_from(VISITOR_EVENTS + ["no_such_event"]), payload=JSON)
def test_visitor_events_answer_any_payload_clearly(fuzzed, event, payload):
    loop, visitor, _, _ = fuzzed
    _check_ack(loop.run(_call(visitor, "/visitor", event, payload)), event, payload)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(event=st.sampled_from(AGENT_EVENTS + ["no_such_event"]), payload=JSON)
def test_agent_events_answer_any_payload_clearly(fuzzed, event, payload):
    loop, _, agent, _ = fuzzed
    _check_ack(loop.run(_call(agent, "/agent", event, payload)), event, payload)


@pytest.mark.parametrize("levels", [10, 200])
def test_deep_json_is_refused_clearly_and_the_node_still_chats(fuzzed, levels):
    loop, visitor, agent, _ = fuzzed
    for client, namespace, events in ((visitor, "/visitor", VISITOR_EVENTS), (agent, "/agent", AGENT_EVENTS)):
        for event in events:
            _check_ack(loop.run(_call(client, namespace, event, _deep(levels))), event, f"<{levels} levels deep>")
    reply = loop.run(_call(visitor, "/visitor", "message", {"client_id": f"after-deep-{levels}", "text": "still there?"}))
    assert reply["ok"] is True and reply["message"]["text"] == "still there?"


async def _raw_event(base_url: str, token: str, frame_payload: str) -> str | None:
    """Send one event frame the python client could not even encode, over a raw engine.io websocket; the
    server's answer frame, or None if it closed the connection instead."""
    import aiohttp

    async with aiohttp.ClientSession() as http, http.ws_connect(
        f"{base_url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket") as ws:
        assert (await ws.receive_str()).startswith("0")  # engine.io open
        await ws.send_str(f'40/visitor,{{"token":"{token}"}}')
        assert (await ws.receive_str()).startswith("40/visitor,")
        await ws.send_str(f"42/visitor,7{frame_payload}")
        while True:
            message = await ws.receive(timeout=15)
            if message.type != aiohttp.WSMsgType.TEXT:
                return None
            if message.data == "2":
                await ws.send_str("3")  # engine.io ping
                continue
            return message.data


def test_json_deeper_than_the_parser_allows_gets_a_clear_error(fuzzed):
    loop, visitor, _, base_url = fuzzed
    levels = 20_000  # 40 KB: under the frame limit, far over the JSON parser's nesting limit
    answer = loop.run(_raw_event(base_url, visitor.token, f'["message",{"[" * levels}"x"{"]" * levels}]'))
    assert answer is not None and answer.startswith("43/visitor,7"), answer
    ack = json.loads(answer.removeprefix("43/visitor,7"))[0]
    assert ack == {"ok": False, "error": {"code": "payload_too_deep", "message": "The payload is nested too deeply."}}
    reply = loop.run(_call(visitor, "/visitor", "message", {"client_id": "after-very-deep", "text": "still there?"}))
    assert reply["ok"] is True and reply["message"]["text"] == "still there?"
