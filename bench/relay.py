"""Visitor-to-agent relay through our server vs. a bare python-socketio echo server, in one run.

Starts a livechat server (its own process, on a fresh PostgreSQL database; Rasa unreachable, so every
visitor's first message queues the chat for a person and the router assigns it to an agent) and
bench/echo_server.py twice, each its own process: bare (no database: the target's baseline) and
"echo+commit" (each message committed to its own fresh PostgreSQL database before relay and ack, with
group commit as livechat does it: the minimal relay that meets the same durability rule); all three on
the same event loop (uvloop's, which `livechat serve` runs on). At each load
level, N visitor/agent pairs relay in a closed loop: the visitor sends a message and waits for its ack (our server acks after the
PostgreSQL commit), then sends the next; the delivery latency runs from just before the visitor's
emit to the agent socket receiving the message. Then it opens many idle visitor sockets on each
server and reports the server's RSS.

    .venv/bin/python bench/relay.py                      # levels 1,4,16,64 x 10 s; 5,000 idle sockets
    .venv/bin/python bench/relay.py --quick              # smoke run: levels 1,4 x 3 s; 200 idle sockets
    .venv/bin/python bench/relay.py --redis --levels 16 --idle 0
    .venv/bin/python bench/relay.py --levels 64,64,64 --seconds 6 --idle 0   # one level three times: this VM is noisy
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import psutil
import redis.asyncio as aioredis
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livechat import stack  # noqa: E402
from tests.fixtures import UNREACHABLE_RASA, free_port  # noqa: E402
from tests.support.agent import PASSWORD, add_agent  # noqa: E402
from tests.support.backends import PG_ADMIN_DSN, create_pg_database, drop_pg_database, migrate  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/8"
RSS_TARGET_BYTES = 1024**3
THROUGHPUT_TARGET = 0.6  # of the bare echo's throughput
HEARTBEAT_S = 15  # agents' presence heartbeat, as the console sends it
SETUP_CONCURRENCY = 32
PG_STATS_FLUSH_S = 1.1  # backends report to pg_stat_database at most once a second
TEXT = "Hi, my order 1002 has not arrived yet. Could you check where it is?"
console = Console(width=None if sys.stdout.isatty() else 150)


_WINDOW_IDS = itertools.count()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# -- a minimal Socket.IO client ---------------------------------------------------------------------


class SocketRefused(Exception):
    """The server refused the namespace connection (a Socket.IO CONNECT_ERROR packet)."""


class Socket:
    """One Socket.IO v5 connection to one namespace, over Engine.IO v4 websocket frames (text only, no polling).

    python-socketio's AsyncClient starts a task for every packet it receives; this one parses in place, so
    the load generator costs little and the same for both servers, and 5,000 of them fit one process.
    """

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, namespace: str, on_event: Callable[[str, Any], None] | None) -> None:
        self._ws = ws
        self._namespace = namespace
        self._on_event = on_event
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count()
        self.connected = True
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, base_url: str, namespace: str, auth: dict[str, Any], *,
                   on_event: Callable[[str, Any], None] | None = None, timeout_s: float = 10.0) -> Socket:
        url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        async with asyncio.timeout(timeout_s):
            ws = await http.ws_connect(url, max_msg_size=0)
            try:
                opening = await ws.receive_str()  # 0{"sid", "pingInterval", ...}
                if not opening.startswith("0"):
                    raise SocketRefused(opening)
                await ws.send_str(f"40{namespace},{json.dumps(auth)}")
                reply = await ws.receive_str()
                while reply == "2":  # a ping before the namespace answered
                    await ws.send_str("3")
                    reply = await ws.receive_str()
                if not reply.startswith(f"40{namespace},"):
                    raise SocketRefused(reply)  # 44/namespace,{"message", "data"}
            except BaseException:
                await ws.close()
                raise
        return cls(ws, namespace, on_event)

    async def call(self, event: str, data: Any = None, *, timeout_s: float = 10.0) -> Any:
        """Emit an event with an ack id and wait for the server's ack."""
        ack_id = next(self._ids)
        future = self._acks[ack_id] = asyncio.get_running_loop().create_future()
        try:
            await self._ws.send_str(f"42{self._namespace},{ack_id}{json.dumps([event, data])}")
            async with asyncio.timeout(timeout_s):
                return await future
        finally:
            self._acks.pop(ack_id, None)

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    break  # an error; neither server sends binary frames here
                text = frame.data
                if text == "2":
                    await self._ws.send_str("3")  # Engine.IO pong; the server drops sockets that miss it
                elif text.startswith(("42", "43")):
                    body = text[2:]
                    if body.startswith("/"):
                        body = body[body.index(",") + 1:]
                    digits = 0
                    while body[digits].isdigit():
                        digits += 1
                    args = json.loads(body[digits:])
                    if text[1] == "3":
                        future = self._acks.get(int(body[:digits]))
                        if future is not None and not future.done():
                            future.set_result(args[0] if args else None)
                    elif self._on_event is not None:
                        self._on_event(args[0], args[1] if len(args) > 1 else None)
                elif text.startswith("41") or text == "1":
                    break
        finally:
            self.connected = False
            for future in self._acks.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))

    async def close(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._ws.close()


# -- the load generator -----------------------------------------------------------------------------


@dataclass
class Window:
    """One measured run of one level: what was sent in [start, end) and what became of it."""

    start: float
    end: float
    sent: dict[str, float] = field(default_factory=dict)  # client_id -> send time, until delivered
    delivered_s: list[float] = field(default_factory=list)  # delivery latencies of messages sent in the window
    acked: int = 0
    errors: int = 0

    def delivered(self, client_id: str, now: float) -> None:
        t0 = self.sent.pop(client_id, None)
        if t0 is not None and self.start <= t0 < self.end:
            self.delivered_s.append(now - t0)


class Hub:
    """What the agent sockets hear: assignments (set-up) and visitor messages (the measurement)."""

    def __init__(self) -> None:
        self.window: Window | None = None
        self._assigned: dict[str, asyncio.Future[Agent]] = {}

    def assignment(self, conversation_id: str) -> asyncio.Future[Agent]:
        return self._assigned.setdefault(conversation_id, asyncio.get_running_loop().create_future())

    def on_event(self, agent: Agent, name: str, data: Any) -> None:
        if name == "message" and self.window is not None and data.get("sender") == "visitor":
            self.window.delivered(data.get("client_id"), time.perf_counter())
        elif name == "notification" and data.get("kind") == "assigned":
            future = self.assignment(data["conversation_id"])
            if not future.done():
                future.set_result(agent)


class Agent:
    """One agent socket; it watches several conversations, as an agent in the console does."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.socket: Socket | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    async def connect(self, http: aiohttp.ClientSession, base_url: str, auth: dict[str, Any]) -> None:
        self.socket = await Socket.open(http, base_url, "/agent", auth, on_event=lambda name, data: self._hub.on_event(self, name, data))
        ack = await self.socket.call("presence", {"status": "online"})
        assert ack["ok"], ack
        self._heartbeat = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        while self.socket.connected:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await self.socket.call("presence", {"status": "online"})
            except (TimeoutError, ConnectionError):
                return  # the relay's errors column shows what became of the socket

    async def close(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
        if self.socket:
            await self.socket.close()


@dataclass
class Pair:
    visitor: Socket
    conversation_id: str
    agent: Agent


@dataclass
class Target:
    """One server under test, with the pairs and agents connected to it."""

    name: str
    base_url: str
    process: subprocess.Popen
    http: aiohttp.ClientSession
    database: str | None = None  # the PostgreSQL database it writes to
    hub: Hub = field(default_factory=Hub)
    agents: list[Agent] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)

    async def connect_agent(self, auth: dict[str, Any]) -> Agent:
        agent = Agent(self.hub)
        self.agents.append(agent)
        await agent.connect(self.http, self.base_url, auth)
        return agent

    async def close(self) -> None:
        # Best effort: the servers are stopped right after, whatever happened to a socket.
        await asyncio.gather(*(p.visitor.close() for p in self.pairs), *(a.close() for a in self.agents), return_exceptions=True)


async def bounded(limit: int, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


async def visitor_session(http: aiohttp.ClientSession, base_url: str) -> str:
    async with http.post(f"{base_url}/api/visitor/session", json={"language": "en"}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["visitor_token"]


async def setup_livechat_pairs(target: Target, db_url: str, count: int, max_agents: int) -> None:
    agents = min(max_agents, count)
    max_chats = math.ceil(count / agents) + 2
    emails = [f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(agents)]
    for email in emails:
        await add_agent(db_url, email, max_chats=max_chats)
    for email in emails:
        async with target.http.post(f"{target.base_url}/api/agent/login", json={"email": email, "password": PASSWORD}) as response:
            tokens = await response.json()
            assert response.status == 200, tokens
        await target.connect_agent({"token": tokens["access_token"]})

    async def pair(i: int) -> Pair:
        token = await visitor_session(target.http, target.base_url)
        visitor = await Socket.open(target.http, target.base_url, "/visitor", {"token": token})
        # Rasa is unreachable, so this first message hands the chat to the queue and the router assigns it.
        ack = await visitor.call("message", {"client_id": f"hello-{i}", "text": "hello"})
        assert ack["ok"], ack
        conversation_id = ack["message"]["conversation_id"]
        agent = await asyncio.wait_for(target.hub.assignment(conversation_id), timeout=30)
        watched = await agent.socket.call("watch", {"conversation_id": conversation_id})
        assert watched["ok"], watched
        return Pair(visitor, conversation_id, agent)

    target.pairs = await bounded(SETUP_CONCURRENCY, [lambda i=i: pair(i) for i in range(count)])


async def setup_echo_pairs(target: Target, count: int, max_agents: int) -> None:
    agents = [await target.connect_agent({}) for _ in range(min(max_agents, count))]

    async def pair(i: int) -> Pair:
        conversation_id = f"echo-{i}"
        visitor = await Socket.open(target.http, target.base_url, "/visitor", {"token": conversation_id})
        agent = agents[i % len(agents)]
        await agent.socket.call("watch", {"conversation_id": conversation_id})
        return Pair(visitor, conversation_id, agent)

    target.pairs = await bounded(SETUP_CONCURRENCY, [lambda i=i: pair(i) for i in range(count)])


@dataclass(frozen=True)
class Usage:
    """CPU seconds so far of the server, the processes it started, this client, PostgreSQL and the whole machine."""

    at: float
    server_s: float
    helpers_s: float  # the server's child processes (livechat's language detection worker)
    server_waiting_s: float | None  # the server's time runnable but waiting for a core (Linux schedstat), if known
    client_s: float
    backends_s: dict[int, float]  # live backends of the benchmark's database
    exited_backends_s: float  # backends the postmaster has reaped (pool overflow connections come and go)
    machine_s: float

    @classmethod
    def now(cls, server_pid: int, database: str | None) -> Usage:
        busy = lambda t: t.user + t.system  # noqa: E731
        backends, exited = {}, 0.0
        if database:
            for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
                if proc.info["name"] != "postgres" or not proc.info["cpu_times"]:
                    continue
                if database in " ".join(proc.info["cmdline"] or ()):
                    backends[proc.pid] = busy(proc.info["cpu_times"])
                elif _is_postmaster(proc):
                    exited = proc.info["cpu_times"].children_user + proc.info["cpu_times"].children_system
        machine = psutil.cpu_times()
        server = psutil.Process(server_pid)
        helpers = 0.0
        for child in server.children(recursive=True):
            try:
                helpers += busy(child.cpu_times())
            except psutil.Error:
                pass
        return cls(time.perf_counter(), busy(server.cpu_times()), helpers, _waiting_s(server_pid), busy(psutil.Process().cpu_times()),
                   backends, exited, machine.user + machine.system + machine.nice + getattr(machine, "irq", 0) + getattr(machine, "softirq", 0))

    def percent_since(self, before: Usage) -> dict[str, float]:
        """% of one core each. PostgreSQL's share also counts any backend that exited meanwhile, ours or not."""
        elapsed = self.at - before.at
        pg = sum(t - before.backends_s.get(pid, 0.0) for pid, t in self.backends_s.items())
        pg += self.exited_backends_s - before.exited_backends_s
        waiting = math.nan
        if self.server_waiting_s is not None and before.server_waiting_s is not None:
            waiting = 100 * (self.server_waiting_s - before.server_waiting_s) / elapsed
        return {"server": 100 * (self.server_s - before.server_s) / elapsed, "helpers": 100 * (self.helpers_s - before.helpers_s) / elapsed,
                "client": 100 * (self.client_s - before.client_s) / elapsed, "postgres": 100 * pg / elapsed,
                "machine": 100 * (self.machine_s - before.machine_s) / elapsed, "server_waiting": waiting}


def _waiting_s(pid: int) -> float | None:
    """Seconds the process's threads spent runnable but not running: a busy machine's cores were taken."""
    try:
        return sum(int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1]) for tid in os.listdir(f"/proc/{pid}/task")) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _is_postmaster(proc: psutil.Process) -> bool:
    try:
        parent = proc.parent()
        return parent is None or parent.name() != "postgres"
    except psutil.Error:
        return False


async def sessions_opened(database: str) -> int:
    """Connections PostgreSQL has accepted to the database so far (pg_stat_database.sessions)."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", database)
    finally:
        await conn.close()


async def run_level(target: Target, level: int, seconds: float, warmup_s: float, drain_s: float = 10.0) -> dict[str, Any]:
    pairs = target.pairs[:level]
    window_id = next(_WINDOW_IDS)
    now = time.perf_counter()
    window = Window(start=now + warmup_s, end=now + warmup_s + seconds)
    target.hub.window = window
    usage: dict[str, Usage] = {}
    sessions_before = await sessions_opened(target.database) if target.database else 0

    async def visitor(i: int, pair: Pair) -> None:
        n = 0
        while time.perf_counter() < window.end:
            client_id = f"w{window_id}-{i}-{n}"  # unique per window: a level run twice must not resend the first run's ids
            n += 1
            t0 = time.perf_counter()
            window.sent[client_id] = t0
            try:
                ack = await pair.visitor.call("message", {"client_id": client_id, "text": f"{TEXT} #{n}"})
            except (TimeoutError, ConnectionError):
                window.errors += 1
                continue
            if not ack.get("ok"):
                window.errors += 1
                if window.errors == 1:
                    console.print(f"[red]{target.name}, {level} pair(s): refused ack {ack}")
            elif window.start <= t0 < window.end:
                window.acked += 1

    async def measure_usage() -> None:
        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        usage["before"] = Usage.now(target.process.pid, target.database)
        await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
        usage["after"] = Usage.now(target.process.pid, target.database)

    await asyncio.gather(measure_usage(), *(visitor(i, p) for i, p in enumerate(pairs)))
    deadline = time.perf_counter() + drain_s
    while any(window.start <= t0 < window.end for t0 in window.sent.values()) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    lost = sum(1 for t0 in window.sent.values() if window.start <= t0 < window.end)
    target.hub.window = None
    if target.database:
        await asyncio.sleep(PG_STATS_FLUSH_S)
    latencies = window.delivered_s or [math.nan]
    return {
        "msgs": len(window.delivered_s), "rate": len(window.delivered_s) / seconds, "acked": window.acked,
        "p50": statistics.median(latencies) * 1000, "p99": percentile(latencies, 0.99) * 1000, "errors": window.errors + lost,
        "cpu": usage["after"].percent_since(usage["before"]),
        "db_sessions": (await sessions_opened(target.database) - sessions_before) if target.database else 0,
    }


# -- idle connections -------------------------------------------------------------------------------


async def idle_phase(target: Target, count: int, hold_s: float, tokens: list[str]) -> dict[str, Any]:
    process = psutil.Process(target.process.pid)
    rss_before = process.memory_info().rss
    started = time.perf_counter()

    async def open_one(token: str) -> Socket | None:
        try:
            return await Socket.open(target.http, target.base_url, "/visitor", {"token": token}, timeout_s=60)
        except (SocketRefused, aiohttp.ClientError, TimeoutError) as exc:
            console.print(f"[red]{target.name}: idle socket failed: {exc!r}")
            return None

    sockets = [s for s in await bounded(SETUP_CONCURRENCY * 2, [lambda t=t: open_one(t) for t in tokens]) if s is not None]
    connect_s = time.perf_counter() - started
    # Hold past one ping interval (20 s), so every socket has answered the server's ping at least once.
    await asyncio.sleep(hold_s)
    rss_after = process.memory_info().rss
    # Processes the server started (livechat's language detection worker), reported beside it.
    helpers_rss = sum(child.memory_info().rss for child in process.children(recursive=True))
    alive = sum(1 for s in sockets if s.connected)
    await bounded(256, [s.close for s in sockets])
    return {"count": count, "connected": alive, "connect_s": connect_s, "rss_before": rss_before, "rss_after": rss_after,
            "helpers_rss": helpers_rss, "per_socket": (rss_after - rss_before) / max(alive, 1)}


# -- the servers ------------------------------------------------------------------------------------


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Own session, so Ctrl-C reaches only us and we stop the servers in order.
    return subprocess.Popen(args, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)  # noqa: SIM115


def echo_command(port: int, database: str | None = None) -> list[str]:
    command = [sys.executable, str(Path(__file__).with_name("echo_server.py")), "--port", str(port)]
    return command + ["--database", database] if database else command


def livechat_command(profile: Path | None) -> list[str]:
    if profile is None:
        return [str(Path(sys.executable).parent / "livechat"), "serve"]
    return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "livechat", "serve"]


def print_results(args: argparse.Namespace, rows: list[tuple[int, dict, dict, dict]], idle: list[tuple[str, dict]]) -> None:
    mode = "PostgreSQL + Redis" if args.redis else "PostgreSQL"
    table = Table(title=f"Visitor-to-agent relay: closed loop, {args.seconds:g} s per level, livechat on {mode}")
    for column in ("pairs", "echo msg/s", "p50 / p99 ms", "echo+commit msg/s", "p50 / p99 ms", "livechat msg/s", "p50 / p99 ms",
                   "livechat / echo", "livechat / echo+commit", "errors"):
        table.add_column(column, justify="right")
    for level, echo, committed, ours in rows:
        table.add_row(str(level), f"{echo['rate']:.0f}", f"{echo['p50']:.1f} / {echo['p99']:.1f}", f"{committed['rate']:.0f}",
                      f"{committed['p50']:.1f} / {committed['p99']:.1f}", f"{ours['rate']:.0f}", f"{ours['p50']:.1f} / {ours['p99']:.1f}",
                      f"{ours['rate'] / echo['rate']:.2f}", f"{ours['rate'] / committed['rate']:.2f}",
                      f"{echo['errors']} / {committed['errors']} / {ours['errors']}")
    console.print(table)
    cores = psutil.cpu_count()
    cpu = Table(title=f"CPU during each window, % of one core ({cores} cores shared by the client, the servers and PostgreSQL)")
    for column in ("pairs", "echo: server", "client", "echo+commit: server", "PostgreSQL", "client", "livechat: server",
                   "waiting for a core", "language worker", "PostgreSQL", "client", "machine (echo / +commit / livechat)",
                   "livechat DB connections opened"):
        cpu.add_column(column, justify="right")
    for level, echo, committed, ours in rows:
        e, c, o = echo["cpu"], committed["cpu"], ours["cpu"]
        cpu.add_row(str(level), f"{e['server']:.0f}", f"{e['client']:.0f}", f"{c['server']:.0f}", f"{c['postgres']:.0f}",
                    f"{c['client']:.0f}", f"{o['server']:.0f}", f"{o['server_waiting']:.0f}", f"{o['helpers']:.0f}", f"{o['postgres']:.0f}",
                    f"{o['client']:.0f}", f"{e['machine']:.0f} / {c['machine']:.0f} / {o['machine']:.0f}", str(ours["db_sessions"]))
    console.print(cpu)
    # The same CPU, per message relayed: what each message costs each process, and the machine in all.
    per = Table(title="CPU per message relayed, us (CPU during the window / messages delivered in it)")
    for column in ("pairs", "echo: server", "client", "machine", "echo+commit: server", "PostgreSQL", "client", "machine",
                   "livechat: server", "language worker", "PostgreSQL", "client", "machine"):
        per.add_column(column, justify="right")
    for level, echo, committed, ours in rows:
        cells = [str(level)]
        for result, keys in ((echo, ("server", "client", "machine")), (committed, ("server", "postgres", "client", "machine")),
                             (ours, ("server", "helpers", "postgres", "client", "machine"))):
            cells += [f"{_per_message_us(result, key):.0f}" for key in keys]
        per.add_row(*cells)
    console.print(per)
    if rows:
        best_echo = max(r[1]["rate"] for r in rows)
        best_committed = max(r[2]["rate"] for r in rows)
        best_ours = max(r[3]["rate"] for r in rows)
        ratio = best_ours / best_echo
        console.print(f"peak throughput livechat {best_ours:.0f} msg/s vs echo {best_echo:.0f} msg/s: ratio {ratio:.2f} "
                      f"(target >= {THROUGHPUT_TARGET})  {'OK' if ratio >= THROUGHPUT_TARGET else 'MISSED'}")
        peak = max((r[3] for r in rows), key=lambda result: result["rate"])
        budget_us = 1e6 / (THROUGHPUT_TARGET * best_echo)
        console.print(f"the target's CPU budget: {THROUGHPUT_TARGET} of the echo's peak is {THROUGHPUT_TARGET * best_echo:.0f} msg/s, at most "
                      f"{budget_us:.0f} us of livechat server CPU a message with its one core always busy; at its peak it spent "
                      f"{_per_message_us(peak, 'server'):.0f} us a message, at {peak['cpu']['server']:.0f}% of a core")
        console.print(f"for scale: echo+commit (the same durability, group commit, nothing else) peaks at {best_committed:.0f} msg/s, "
                      f"{best_committed / best_echo:.2f} of the echo; livechat does {best_ours / best_committed:.2f} of it "
                      "while doing its own work per message")
    if idle:
        table = Table(title="Idle visitor sockets on one server process")
        for column in ("server", "connected", "connect s", "RSS before MB", "RSS connected MB", "KB per socket"):
            table.add_column(column, justify="right")
        for name, r in idle:
            table.add_row(name, f"{r['connected']} / {r['count']}", f"{r['connect_s']:.1f}", f"{r['rss_before'] / 2**20:.0f}",
                          f"{r['rss_after'] / 2**20:.0f}", f"{r['per_socket'] / 1024:.1f}")
        console.print(table)
        for name, r in idle:
            if name == "livechat":
                ok = r["connected"] == r["count"] and r["rss_after"] < RSS_TARGET_BYTES
                console.print(f"livechat with {r['connected']} idle visitors: RSS {r['rss_after'] / 2**20:.0f} MB "
                              f"(target < {RSS_TARGET_BYTES // 2**20} MB with {r['count']})  {'OK' if ok else 'MISSED'}; "
                              f"its language detection worker: {r['helpers_rss'] / 2**20:.0f} MB more")
    console.print("Clients and servers share this machine's cores: the load generator is this process, each server its own; "
                  "livechat also commits each message before the ack (its interaction event and profile update follow in batches), "
                  "and detects its language (in its worker process); agents watching a conversation get its messages and no list summaries for them.")


def _per_message_us(result: dict[str, Any], key: str) -> float:
    """A process's CPU per message delivered in a window (its % of one core over the rate)."""
    return 1e4 * result["cpu"][key] / result["rate"] if result["rate"] else math.nan


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16,64", help="concurrent visitor/agent pairs per level, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per level and server")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each window")
    parser.add_argument("--agents", type=int, default=16, help="at most this many agents share the pairs")
    parser.add_argument("--idle", type=int, default=5000, help="idle visitor sockets to open on each server (0: skip)")
    parser.add_argument("--idle-hold", type=float, default=25.0, help="seconds to hold the idle sockets before measuring RSS")
    parser.add_argument("--redis", action="store_true", help=f"run livechat with Redis ({REDIS_URL}, a fresh channel)")
    parser.add_argument("--profile", type=Path, help="run the livechat server under cProfile and write its stats to this file")
    parser.add_argument("--quick", action="store_true", help="smoke run: levels 1,4, 3 s, 200 idle sockets held 3 s")
    args = parser.parse_args()
    # SIGTERM cancels like Ctrl-C does, so the servers are stopped and the database dropped either way.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    if args.quick:
        args.levels, args.seconds, args.idle, args.idle_hold = "1,4", 3.0, 200, 3.0
    levels = [int(v) for v in args.levels.split(",")]
    fd_limit, wanted_fds = resource.getrlimit(resource.RLIMIT_NOFILE)[0], args.idle + 4 * max(levels) + 100
    if fd_limit < wanted_fds:
        sys.exit(f"relay: the open-file limit ({fd_limit}) is below the {wanted_fds} sockets this run needs; raise `ulimit -n`.")

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    channel = f"bench-relay-{uuid.uuid4().hex[:8]}"
    pg_name, db_url = await create_pg_database()
    echo_pg_name: str | None = None
    processes: list[subprocess.Popen] = []
    targets: list[Target] = []
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        await migrate(db_url)
        echo_pg_name, echo_db_url = await create_pg_database()
        echo_port, committed_port, livechat_port = free_port(), free_port(), free_port()
        env = {**os.environ, "LIVECHAT_DATABASE_URL": db_url, "LIVECHAT_PORT": str(livechat_port), "LIVECHAT_RASA_URL": UNREACHABLE_RASA,
               "LIVECHAT_SECRET_KEY": secrets.token_urlsafe(32), "LIVECHAT_LOG_LEVEL": "WARNING", "LIVECHAT_DATA_DIR": str(workdir),
               # A long run must not outlive the agents' access tokens (presence heartbeats would be refused).
               "LIVECHAT_AGENT_ACCESS_TTL_S": "86400",
               # Load from one machine: the per-connection and per-address limits would stop the benchmark itself.
               "LIVECHAT_SOCKET_EVENTS_PER_10S": "1000000", "LIVECHAT_VISITOR_SESSIONS_PER_IP_PER_MIN": "1000000",
               "LIVECHAT_SOCKET_CONNECTS_PER_IP_PER_MIN": "1000000"}
        if args.redis:
            env |= {"LIVECHAT_REDIS_URL": REDIS_URL, "LIVECHAT_REDIS_CHANNEL": channel}
        processes.append(spawn(echo_command(echo_port), dict(os.environ), workdir / "echo.log"))
        echo_dsn = echo_db_url.replace("postgresql+asyncpg://", "postgresql://")  # asyncpg's own DSN form
        processes.append(spawn(echo_command(committed_port, echo_dsn), dict(os.environ), workdir / "echo-commit.log"))
        processes.append(spawn(livechat_command(args.profile), env, workdir / "livechat.log"))
        echo = Target("echo", f"http://127.0.0.1:{echo_port}", processes[0], http)
        committed = Target("echo+commit", f"http://127.0.0.1:{committed_port}", processes[1], http, database=echo_pg_name)
        ours = Target("livechat", f"http://127.0.0.1:{livechat_port}", processes[2], http, database=pg_name)
        targets = [echo, committed, ours]
        with console.status("starting the servers and connecting the pairs..."):
            for target in targets:
                await stack.wait_for_http(f"{target.base_url}/health", process=target.process)
            await setup_echo_pairs(echo, max(levels), args.agents)
            await setup_echo_pairs(committed, max(levels), args.agents)
            await setup_livechat_pairs(ours, db_url, max(levels), args.agents)
        console.print(f"{max(levels)} pairs on each server; livechat agents: {len(ours.agents)}; logs in {workdir}")

        rows = []
        for level in levels:
            with console.status(f"{level} pair(s): echo, echo+commit, then livechat..."):
                # Interleaved per level, so drift on the machine hits all servers alike.
                echo_result = await run_level(echo, level, args.seconds, args.warmup)
                committed_result = await run_level(committed, level, args.seconds, args.warmup)
                ours_result = await run_level(ours, level, args.seconds, args.warmup)
            rows.append((level, echo_result, committed_result, ours_result))
            console.print(f"{level:>4} pairs: echo {echo_result['rate']:.0f} msg/s, echo+commit {committed_result['rate']:.0f} msg/s, "
                          f"livechat {ours_result['rate']:.0f} msg/s")

        idle = []
        if args.idle:
            for target in (echo, ours):
                with console.status(f"{target.name}: {args.idle} visitor sessions and idle sockets..."):
                    if target is ours:
                        tokens = await bounded(SETUP_CONCURRENCY, [lambda: visitor_session(http, ours.base_url)] * args.idle)
                    else:
                        tokens = [f"idle-{i}" for i in range(args.idle)]
                    idle.append((target.name, await idle_phase(target, args.idle, args.idle_hold, tokens)))
        print_results(args, rows, idle)
    finally:
        for target in targets:
            await target.close()
        await http.close()
        for process in processes:
            stack.stop(process)
        await drop_pg_database(pg_name)
        if echo_pg_name:
            await drop_pg_database(echo_pg_name)
        if args.redis:
            client = aioredis.from_url(REDIS_URL)
            keys = [k async for k in client.scan_iter(f"{channel}:*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()
        console.print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("relay: interrupted; the servers are stopped and the database dropped.")
