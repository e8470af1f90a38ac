"""A bounded soak: mixed bot and human conversations at a steady rate on two nodes, for a fixed time.

Starts Rasa (the trained model) and its action server, PostgreSQL database, and two `livechat serve`
nodes joined by Redis. Half the visitor slots talk to the bot: each visitor sends the scripted shop
dialogue (six messages) and leaves, and a new visitor takes the slot, as a shop's traffic goes. The
other half ask for a person and then chat with one of the agents for the whole run; the agents are
logged in on the second node and answer every message. Both kinds alternate between the nodes, so
half the human chats cross nodes through Redis. Each visitor sends at a steady pace, so the total
offered rate is fixed. Every window it records throughput, the latency from a visitor's send to the
reply it is waiting for (the bot's first message, or the agent's answer), both nodes' RSS and every
error; at the end it prints the table and checks memory growth between the second window and the
last against a bound.

`--bot-turns 0` keeps one visitor per bot slot talking for the whole run instead: Rasa's turns then
slow down as its trackers grow (bench/bot_conversation_length.py measures that on Rasa alone).

    .venv/bin/python bench/soak.py                 # 10 minutes, 24 visitors, 4 agents, one message per visitor per 4 s
    .venv/bin/python bench/soak.py --minutes 1     # a short run
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import socketio
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livechat import stack  # noqa: E402
from tests.fixtures import free_port, installed_rasa  # noqa: E402
from tests.support.agent import PASSWORD, add_agent  # noqa: E402
from tests.support.backends import REDIS_TEST_URL, create_pg_database, drop_pg_database, migrate  # noqa: E402

BOT_SCRIPT = ["hi", "where is my order 1002?", "what payment methods do you accept?", "how long does shipping take?",
              "is the wool scarf in stock?", "thanks"]
MEMORY_GROWTH_BOUND_MB = 50
REPLY_TIMEOUT_S = 30.0
console = Console(width=None if sys.stdout.isatty() else 160)
_ids = itertools.count(1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Window:
    start: float
    replies: int = 0
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    bot_latencies: list[float] = field(default_factory=list)
    human_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_mb: tuple[float, float] = (0.0, 0.0)


class Recorder:
    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.started = time.monotonic()
        self.windows: list[Window] = []

    def now(self) -> Window:
        index = int((time.monotonic() - self.started) // self.window_s)
        while len(self.windows) <= index:
            self.windows.append(Window(self.started + len(self.windows) * self.window_s))
        return self.windows[index]

    def error(self, what: str) -> None:
        self.now().errors.append(what)

    def reply(self, kind: str, latency_s: float) -> None:
        window = self.now()
        window.replies += 1
        window.latencies.append(latency_s)
        (window.bot_latencies if kind == "bot" else window.human_latencies).append(latency_s)


async def visitor_session(base_url: str) -> tuple[str, socketio.AsyncClient]:
    async with aiohttp.ClientSession() as http, http.post(f"{base_url}/api/visitor/session", json={"language": "en"}) as response:
        data = await response.json()
    client = socketio.AsyncClient(reconnection=True)
    await client.connect(base_url, namespaces=["/visitor"], auth={"token": data["visitor_token"]}, transports=["websocket"])
    return data["visitor_id"], client


async def bot_visitor(base_url: str, pace_s: float, until: float, rec: Recorder, turns_each: int) -> None:
    """One after another, visitors who talk to the bot: each sends the shop script (`turns_each` messages,
    0: one visitor for the whole run) and leaves, and the next one comes."""
    while time.monotonic() < until:
        await one_bot_visitor(base_url, pace_s, until, rec, turns_each)


async def one_bot_visitor(base_url: str, pace_s: float, until: float, rec: Recorder, turns_each: int) -> None:
    _, client = await visitor_session(base_url)
    waiting: dict[str, Any] = {}

    def on_message(message: dict) -> None:
        if message["sender"] == "bot" and waiting.get("since") is not None:
            rec.reply("bot", time.monotonic() - waiting.pop("since"))

    client.on("message", on_message, namespace="/visitor")
    try:
        for n in itertools.count():
            if time.monotonic() >= until:
                break
            tick = time.monotonic()
            if waiting.get("since") is not None and tick - waiting["since"] > REPLY_TIMEOUT_S:
                rec.error("bot reply timed out")
                waiting.clear()
            if turns_each and n >= turns_each:
                if waiting.get("since") is None:
                    break  # the last answer came: this visitor leaves
            elif waiting.get("since") is None:
                waiting["since"] = time.monotonic()
                ack = await client.call("message", {"client_id": f"s{next(_ids)}", "text": BOT_SCRIPT[n % len(BOT_SCRIPT)]},
                                        namespace="/visitor", timeout=REPLY_TIMEOUT_S)
                rec.now().sent += 1
                if not ack.get("ok"):
                    rec.error(f"visitor message refused: {ack.get('error', {}).get('code')}")
                    waiting.clear()
            await asyncio.sleep(max(0.0, pace_s - (time.monotonic() - tick)))
    except Exception as exc:  # noqa: BLE001 - the soak reports every failure and carries on
        rec.error(f"bot visitor: {type(exc).__name__}")
    finally:
        await client.disconnect()


async def human_visitor(base_url: str, pace_s: float, until: float, rec: Recorder) -> None:
    _, client = await visitor_session(base_url)
    waiting: dict[str, float] = {}
    joined = asyncio.Event()

    def on_message(message: dict) -> None:
        if (message.get("payload") or {}).get("type") == "agent_joined":
            joined.set()
        if message["sender"] == "agent" and waiting:
            started = waiting.pop(message["text"].removeprefix("re: "), None)
            if started is not None:
                rec.reply("human", time.monotonic() - started)

    client.on("message", on_message, namespace="/visitor")
    try:
        ack = await client.call("message", {"client_id": f"s{next(_ids)}", "text": "I want to talk to a person"},
                                namespace="/visitor", timeout=REPLY_TIMEOUT_S)
        conversation_id = ack["message"]["conversation_id"]
        await asyncio.wait_for(joined.wait(), timeout=REPLY_TIMEOUT_S)  # questions go to the person once one is there
        while time.monotonic() < until:
            tick = time.monotonic()
            for text, started in list(waiting.items()):
                if tick - started > REPLY_TIMEOUT_S:
                    rec.error("agent reply timed out")
                    waiting.pop(text, None)
            text = f"question {next(_ids)}"
            waiting[text] = time.monotonic()
            ack = await client.call("message", {"client_id": f"s{next(_ids)}", "text": text, "conversation_id": conversation_id},
                                    namespace="/visitor", timeout=REPLY_TIMEOUT_S)
            rec.now().sent += 1
            if not ack.get("ok"):
                rec.error(f"visitor message refused: {ack.get('error', {}).get('code')}")
            await asyncio.sleep(max(0.0, pace_s - (time.monotonic() - tick)))
    except Exception as exc:  # noqa: BLE001
        rec.error(f"human visitor: {type(exc).__name__}")
    finally:
        await client.disconnect()


async def agent(base_url: str, email: str, until: float, rec: Recorder) -> None:
    """Logs in, stays online, takes every chat it is given and answers every visitor message."""
    async with aiohttp.ClientSession() as http, http.post(f"{base_url}/api/agent/login", json={"email": email, "password": PASSWORD}) as r:
        token = (await r.json())["access_token"]
    client = socketio.AsyncClient(reconnection=True)
    replies: asyncio.Queue[dict] = asyncio.Queue()
    seen: set[tuple[str, int]] = set()  # (conversation, seq): a question is answered once, live or from history

    def take(message: dict) -> None:
        key = (message["conversation_id"], message["seq"])
        if message["sender"] == "visitor" and message["text"].startswith("question") and key not in seen:
            seen.add(key)
            replies.put_nowait(message)

    async def on_notification(note: dict) -> None:
        if note.get("kind") in ("assigned", "transferred"):
            # Like the console: what the visitor wrote before this socket joined the room comes with the history.
            ack = await client.call("watch", {"conversation_id": note["conversation_id"]}, namespace="/agent")
            for message in ack.get("messages", []) if ack.get("ok") else []:
                take(message)

    def on_message(message: dict) -> None:
        take(message)

    client.on("notification", on_notification, namespace="/agent")
    client.on("message", on_message, namespace="/agent")
    await client.connect(base_url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"])
    await client.call("presence", {"status": "online"}, namespace="/agent")

    async def heartbeat() -> None:
        while time.monotonic() < until:
            await asyncio.sleep(10)
            await client.call("presence", {"status": "online"}, namespace="/agent")

    beats = asyncio.create_task(heartbeat())
    try:
        while time.monotonic() < until:
            try:
                message = await asyncio.wait_for(replies.get(), timeout=1)
            except TimeoutError:
                continue
            ack = await client.call("message", {"conversation_id": message["conversation_id"], "client_id": f"s{next(_ids)}",
                                                "text": f"re: {message['text']}"}, namespace="/agent", timeout=REPLY_TIMEOUT_S)
            if not ack.get("ok"):
                rec.error(f"agent message refused: {ack.get('error', {}).get('code')}")
    except Exception as exc:  # noqa: BLE001
        rec.error(f"agent: {type(exc).__name__}")
    finally:
        beats.cancel()
        await client.disconnect()


async def sample_memory(pids: list[int], until: float, rec: Recorder) -> None:
    while time.monotonic() < until:
        rec.now().rss_mb = tuple(psutil.Process(pid).memory_info().rss / 2**20 for pid in pids)
        await asyncio.sleep(1)


def report(rec: Recorder, args: argparse.Namespace) -> bool:
    table = Table(title=f"Soak: {args.visitors} visitors (half bot, half human), {args.agents} agents, two nodes, "
                        f"one message per visitor per {args.pace:g} s, {args.window:g} s windows")
    for column in ("minute", "sent", "replies/s", "p50 ms", "p99 ms", "bot p50 / p99 ms", "human p50 / p99 ms",
                   "node 1 RSS MB", "node 2 RSS MB", "errors"):
        table.add_column(column, justify="right")
    windows = [w for w in rec.windows if w.sent or w.replies]

    def ms(values: list[float], q: float) -> str:
        return f"{percentile(values, q) * 1000:.0f}" if values else "-"

    for w in windows:
        table.add_row(f"{(w.start - rec.started) / 60:.1f}", str(w.sent), f"{w.replies / args.window:.1f}",
                      ms(w.latencies, 0.5), ms(w.latencies, 0.99),
                      f"{ms(w.bot_latencies, 0.5)} / {ms(w.bot_latencies, 0.99)}",
                      f"{ms(w.human_latencies, 0.5)} / {ms(w.human_latencies, 0.99)}",
                      f"{w.rss_mb[0]:.0f}", f"{w.rss_mb[1]:.0f}", str(len(w.errors)))
    console.print(table)
    errors = [e for w in windows for e in w.errors]
    first, last = (windows[1] if len(windows) > 2 else windows[0]), windows[-1]
    growth = max(b - a for a, b in zip(first.rss_mb, last.rss_mb))
    latencies = [x for w in windows for x in w.latencies]
    console.print(f"replies {sum(w.replies for w in windows):,}, p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms over the run")
    console.print(f"memory growth from minute {(first.start - rec.started) / 60:.1f} to the end: {growth:+.0f} MB per node at most; "
                  f"bound {MEMORY_GROWTH_BOUND_MB} MB  {'OK' if growth <= MEMORY_GROWTH_BOUND_MB else 'MISSED'}")
    console.print(f"errors: {len(errors)} (target 0)  {'OK' if not errors else 'MISSED: ' + ', '.join(sorted(set(errors)))}")
    return growth <= MEMORY_GROWTH_BOUND_MB and not errors


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--visitors", type=int, default=24)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--pace", type=float, default=4.0, help="seconds between one visitor's messages")
    parser.add_argument("--window", type=float, default=30.0, help="seconds per row of the table")
    parser.add_argument("--bot-turns", type=int, default=len(BOT_SCRIPT),
                        help="messages each bot visitor sends before a new visitor takes their place (0: one visitor all along)")
    args = parser.parse_args()

    installed = installed_rasa()
    if installed is None:
        sys.exit("Rasa is not set up: run ./scripts/test (or ./scripts/up) once first.")
    rasa_bin, model = installed
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    ports, token = [free_port(), free_port()], secrets.token_urlsafe(16)
    config = stack.RasaStack(rasa_bin=rasa_bin, model=model, api_url=f"http://127.0.0.1:{ports[0]}", bot_api_token=token,
                             rasa_port=free_port(), actions_port=free_port(), log_dir=workdir)
    pg_name, db_url = await create_pg_database()
    processes: list[subprocess.Popen] = []
    try:
        await migrate(db_url)
        env = {**os.environ, "LIVECHAT_DATABASE_URL": db_url, "LIVECHAT_RASA_URL": config.rasa_url, "LIVECHAT_BOT_API_TOKEN": token,
               "LIVECHAT_DATA_DIR": str(workdir), "LIVECHAT_LOG_LEVEL": "WARNING", "LIVECHAT_REDIS_URL": REDIS_TEST_URL,
               "LIVECHAT_REDIS_CHANNEL": f"soak-{secrets.token_hex(4)}", "LIVECHAT_SECRET_KEY": secrets.token_urlsafe(32),
               "LIVECHAT_AGENT_ACCESS_TTL_S": "86400", "LIVECHAT_VISITOR_SESSIONS_PER_IP_PER_MIN": "100000",
               "LIVECHAT_SOCKET_CONNECTS_PER_IP_PER_MIN": "100000"}
        livechat_bin = Path(sys.executable).parent / "livechat"
        subprocess.run([livechat_bin, "seed-demo"], env=env, check=True, capture_output=True)
        for i in range(args.agents):
            await add_agent(db_url, f"soak{i}@shop.test", max_chats=max(1, args.visitors))
        processes += [stack.start_action_server(config), stack.start_rasa_server(config)]
        nodes = []
        for port in ports:
            log = open(workdir / f"node-{port}.log", "wb")  # noqa: SIM115 - lives as long as the node
            nodes.append(subprocess.Popen([livechat_bin, "serve"], env={**env, "LIVECHAT_PORT": str(port)}, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        processes += nodes
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        with console.status("starting Rasa and two nodes (about 30 s)..."):
            await stack.wait_for_rasa(config.rasa_url, process=processes[1])
            for base, node in zip(bases, nodes):
                await stack.wait_for_http(f"{base}/health", process=node)
        rec = Recorder(args.window)
        until = time.monotonic() + args.minutes * 60
        tasks = [agent(bases[1], f"soak{i}@shop.test", until, rec) for i in range(args.agents)]
        for i in range(args.visitors):
            # Bot and human visitors each alternate between the nodes: half the human chats cross nodes to their agent.
            base = bases[(i // 2) % 2]
            if i % 2 == 0:
                tasks.append(bot_visitor(base, args.pace, until, rec, args.bot_turns))
            else:
                tasks.append(human_visitor(base, args.pace, until, rec))
        tasks.append(sample_memory([n.pid for n in nodes], until, rec))
        with console.status(f"soaking for {args.minutes:g} minutes (logs in {workdir})..."):
            await asyncio.gather(*tasks)
        return 0 if report(rec, args) else 1
    finally:
        for process in processes:
            stack.stop(process)
        await drop_pg_database(pg_name)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
