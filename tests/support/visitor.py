"""A simulated visitor: the REST session plus a real python-socketio AsyncClient on /visitor."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any, Callable

import aiohttp
import socketio

_ids = itertools.count(1)


class Visitor:
    def __init__(self, base_url: str, token: str, visitor_id: str) -> None:
        self.base_url = base_url
        self.token = token
        self.visitor_id = visitor_id
        # The messages as the widget shows them: `message` events in arrival order, and this client's own
        # messages from their acks (the server does not send a message back to the socket that sent it).
        self.received: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []  # only the `message` events the server sent this socket
        self.states: list[dict[str, Any]] = []
        self.typing: list[dict[str, Any]] = []
        self.queue: list[dict[str, Any]] = []  # `queue` events: place in line while waiting
        self.reads: list[dict[str, Any]] = []
        self.client = self._new_client()

    @classmethod
    async def start(cls, base_url: str, *, language: str = "en", token: str | None = None) -> "Visitor":
        async with aiohttp.ClientSession() as http:
            body: dict[str, Any] = {"language": language}
            if token:
                body["visitor_token"] = token
            async with http.post(f"{base_url}/api/visitor/session", json=body) as response:
                assert response.status == 200, await response.text()
                data = await response.json()
        visitor = cls(base_url, data["visitor_token"], data["visitor_id"])
        await visitor.connect()
        return visitor

    def _new_client(self) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        client.on("message", self._on_message, namespace="/visitor")
        client.on("conversation", self.states.append, namespace="/visitor")
        client.on("typing", self.typing.append, namespace="/visitor")
        client.on("queue", self.queue.append, namespace="/visitor")
        client.on("read", self.reads.append, namespace="/visitor")
        return client

    def _on_message(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        self.received.append(message)

    async def connect(self, base_url: str | None = None) -> None:
        if self.client.connected:
            return
        self.client = self._new_client()
        await self.client.connect(
            base_url or self.base_url, namespaces=["/visitor"], auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )

    async def disconnect(self) -> None:
        await self.client.disconnect()

    async def call(self, event: str, data: Any = None, *, timeout: float = 10) -> dict[str, Any]:
        return await self.client.call(event, data, namespace="/visitor", timeout=timeout)

    async def say(self, text: str, *, client_id: str | None = None, quick_reply: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"client_id": client_id or f"c{next(_ids)}", "text": text}
        if quick_reply:
            body["quick_reply"] = quick_reply
        ack = await self.call("message", body)
        assert ack["ok"], ack
        mine = ack["message"]
        if all(m["seq"] != mine["seq"] or m["conversation_id"] != mine["conversation_id"] for m in self.received):
            self.received.append(mine)
        return mine

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.received if m["sender"] == "bot"]

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 20, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; received: {self.received}")

    async def wait_for_reply_after(self, seq: int, *, sender: str = "bot", timeout: float = 20) -> dict[str, Any]:
        return await self.wait_for(
            lambda: next((m for m in self.received if m["seq"] > seq and m["sender"] == sender), None),
            timeout=timeout,
            what=f"a {sender} message after seq {seq}",
        )
