"""A simulated agent: REST login plus a real python-socketio AsyncClient on /agent."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any, Callable

import aiohttp
import socketio

from livechat.agent_accounts import AgentIn, create_agent
from livechat.db.engine import create_engine, create_session_factory
from livechat.transaction import EventBus, transaction

_ids = itertools.count(1)
PASSWORD = "correct horse battery"


async def add_agent(database_url: str, email: str, *, name: str | None = None, role: str = "agent", teams=(), languages=(), max_chats: int = 5,
                    password: str = PASSWORD) -> str:
    engine = create_engine(database_url)
    try:
        async with transaction(create_session_factory(engine), EventBus()) as tx:
            agent = await create_agent(tx, AgentIn(
                email=email, name=name or email.split("@")[0].title(), password=password, role=role,
                teams=list(teams), languages=list(languages), max_chats=max_chats,
            ))
        return str(agent.id)
    finally:
        await engine.dispose()


async def login(base_url: str, email: str, password: str = PASSWORD) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/agent/login", json={"email": email, "password": password}) as response:
            return response.status, await response.json()


class AgentClient:
    def __init__(self, base_url: str, tokens: dict[str, Any]) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.id = tokens["agent"]["id"]
        self.name = tokens["agent"]["name"]
        self.events: list[tuple[str, Any]] = []
        self._assignments_seen = 0
        self.client = self._new_client()

    @classmethod
    async def login(cls, base_url: str, email: str, *, online: bool = True, password: str = PASSWORD) -> "AgentClient":
        status, tokens = await login(base_url, email, password)
        assert status == 200, tokens
        agent = cls(base_url, tokens)
        await agent.connect()
        if online:
            await agent.presence("online")
        return agent

    @property
    def token(self) -> str:
        return self.tokens["access_token"]

    def _new_client(self) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        for name in ("conversation", "message", "typing", "read", "notification", "logged_out"):
            client.on(name, self._recorder(name), namespace="/agent")
        return client

    def _recorder(self, name: str):
        def record(data: Any = None) -> None:
            self.events.append((name, data))
        return record

    async def connect(self, base_url: str | None = None) -> None:
        self.client = self._new_client()
        await self.client.connect(base_url or self.base_url, namespaces=["/agent"], auth={"token": self.token},
                                  transports=["websocket"], wait_timeout=10)

    async def disconnect(self) -> None:
        await self.client.disconnect()

    async def call(self, event: str, data: Any = None, *, timeout: float = 10) -> dict[str, Any]:
        return await self.client.call(event, data, namespace="/agent", timeout=timeout)

    async def ok(self, event: str, data: Any = None) -> dict[str, Any]:
        ack = await self.call(event, data)
        assert ack["ok"], ack
        return ack

    async def presence(self, status: str) -> None:
        await self.ok("presence", {"status": status})

    async def say(self, conversation_id: str, text: str) -> dict[str, Any]:
        return (await self.ok("message", {"conversation_id": conversation_id, "client_id": f"a{next(_ids)}", "text": text}))["message"]

    async def rest(self, method: str, path: str, *, json: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with aiohttp.ClientSession() as http:
            async with http.request(method, f"{self.base_url}{path}", json=json, headers=headers) as response:
                body = await response.json() if response.content_type == "application/json" else None
                return response.status, body

    def of(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 15, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"agent {self.name} timed out waiting for {what}; events: {self.events[-20:]}")

    async def wait_for_assignment(self, *, timeout: float = 15) -> str:
        """The id of the next conversation assigned to this agent that the test has not seen yet."""

        def assigned():
            notes = [n for n in self.of("notification") if n["kind"] in ("assigned", "transferred")]
            if len(notes) > self._assignments_seen:
                self._assignments_seen += 1
                return notes[self._assignments_seen - 1]["conversation_id"]
            return None

        return await self.wait_for(assigned, timeout=timeout, what="an assignment")
