"""Fixtures: a real Rasa server once per session, real databases and Redis, server nodes built by the app factory."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from livechat import stack
from livechat.app import create_app
from livechat.db.engine import create_engine, create_session_factory
from livechat.demo.seed import seed_demo
from livechat.settings import Settings
from tests.support.backends import REDIS_TEST_URL, create_pg_database, drop_pg_database, migrate, truncate_all

DEFAULT_RASA_BIN = Path.home() / ".cache/shopchat/rasa-3.6.21/bin/rasa"


def rasa_bin() -> Path:
    """The Rasa executable ./scripts/test installs (SHOPCHAT_RASA_BIN overrides)."""
    return Path(os.environ.get("SHOPCHAT_RASA_BIN", DEFAULT_RASA_BIN))


def installed_rasa() -> tuple[Path, Path] | None:
    """(rasa executable, trained model), or None when either is missing (SHOPCHAT_RASA_MODEL overrides the model)."""
    model = Path(os.environ["SHOPCHAT_RASA_MODEL"]) if os.environ.get("SHOPCHAT_RASA_MODEL") else stack.latest_model()
    if not rasa_bin().exists() or model is None or not model.exists():
        return None
    return rasa_bin(), model
UNREACHABLE_RASA = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def api_port() -> int:
    """The port the first node of every test binds, so the session's action server can reach it."""
    return free_port()


@pytest.fixture(scope="session")
def bot_api_token() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def rasa_stack_config(api_port: int, bot_api_token: str, tmp_path_factory: pytest.TempPathFactory) -> stack.RasaStack:
    installed = installed_rasa()
    if installed is None:
        pytest.fail(f"Rasa is not set up (rasa at {rasa_bin()}, or no trained model); run ./scripts/test, which installs and trains it.")
    rasa, model = installed
    log_dir = Path(os.environ.get("SHOPCHAT_TEST_LOGS", tmp_path_factory.mktemp("rasa-logs")))
    log_dir.mkdir(parents=True, exist_ok=True)
    return stack.RasaStack(
        rasa_bin=rasa, model=model, api_url=f"http://127.0.0.1:{api_port}", bot_api_token=bot_api_token,
        rasa_port=free_port(), actions_port=free_port(), log_dir=log_dir,
    )


@pytest.fixture(scope="session")
async def rasa(rasa_stack_config: stack.RasaStack) -> AsyncIterator[stack.RasaStack]:
    """A real Rasa server with the trained model, and its action server, for the whole session."""
    actions = stack.start_action_server(rasa_stack_config)
    server = stack.start_rasa_server(rasa_stack_config)
    try:
        await stack.wait_for_http(f"{rasa_stack_config.actions_url}/health", process=actions)
        await stack.wait_for_rasa(rasa_stack_config.rasa_url, process=server)
        yield rasa_stack_config
    finally:
        stack.stop(server)
        stack.stop(actions)


def _in_own_loop(coro):
    """Run a coroutine on a fresh loop in a worker thread: usable from sync fixtures requested lazily by async ones."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the session (tables are truncated per test)."""
    name, url = _in_own_loop(create_pg_database())
    _in_own_loop(migrate(url))
    yield url
    _in_own_loop(drop_pg_database(name))


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    redis_channel: str


BACKENDS = ["sqlite", "postgres", "postgres+redis"]


async def _prepare_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if kind.startswith("postgres"):
        url = request.getfixturevalue("pg_url")
        await truncate_all(url)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'livechat.db'}"
        await migrate(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await seed_demo(session)
    finally:
        await engine.dispose()
    redis_url = None
    if kind.endswith("+redis"):
        redis_url = REDIS_TEST_URL
        client = aioredis.from_url(redis_url)
        await client.flushdb()
        await client.aclose()
    return Backend(kind, url, redis_url, f"livechat-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return await _prepare_backend(request.param, tmp_path, request)


@pytest.fixture
async def sqlite_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return await _prepare_backend("sqlite", tmp_path, request)


@pytest.fixture
async def pg_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return await _prepare_backend("postgres", tmp_path, request)


@dataclass
class Node:
    base_url: str
    app: web.Application
    settings: Settings
    runner: web.AppRunner
    stopped: bool = False

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await self.runner.cleanup()


MakeNode = Callable[..., Awaitable[Node]]


@pytest.fixture
async def make_node(api_port: int, bot_api_token: str, tmp_path: Path) -> AsyncIterator[MakeNode]:
    """Start server nodes in this process through the production app factory; the first binds api_port."""
    nodes: list[Node] = []

    async def start(backend: Backend, *, rasa_url: str = UNREACHABLE_RASA, port: int | None = None, **overrides) -> Node:
        if port is None:
            port = api_port if not nodes else free_port()
        settings = Settings(
            database_url=backend.database_url,
            redis_url=backend.redis_url,
            redis_channel=backend.redis_channel,
            rasa_url=rasa_url,
            bot_api_token=bot_api_token,
            secret_key="test-secret-key-not-for-production-0123456789",
            data_dir=tmp_path / "data",
            port=port,
            **overrides,
        )
        runner = web.AppRunner(create_app(settings), shutdown_timeout=1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        node = Node(f"http://127.0.0.1:{port}", runner.app, settings, runner)
        nodes.append(node)
        return node

    yield start
    for node in reversed(nodes):
        await node.stop()
