"""Bot turns through our server vs. straight to Rasa, in one run.

Starts the Rasa action server, a Rasa server with the trained model and a livechat server (its own
process, on PostgreSQL by default), then has N concurrent simulated visitors send the same scripted
messages (a) over socket.io through our server, which stores each message before its ack and each bot
reply before sending it, and (b) straight to Rasa's REST webhook. Prints turns/s, p50 and p99 of both.

    .venv/bin/python bench/bot_turns.py --visitors 8 --turns 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livechat import stack  # noqa: E402
from tests.fixtures import free_port, installed_rasa  # noqa: E402
from tests.support.backends import create_pg_database, drop_pg_database, migrate  # noqa: E402

SCRIPT = [
    "hi",
    "where is my order 1002?",
    "what payment methods do you accept?",
    "how long does shipping take?",
    "is the wool scarf in stock?",
    "thanks, bye",
]
console = Console()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def direct_visitor(http: aiohttp.ClientSession, webhook: str, turns: int, latencies: list[float]) -> None:
    sender = f"bench-{uuid.uuid4()}"
    for i in range(turns):
        started = time.perf_counter()
        async with http.post(webhook, json={"sender": sender, "message": SCRIPT[i % len(SCRIPT)]}) as response:
            replies = await response.json()
        assert response.status == 200 and replies, replies
        latencies.append(time.perf_counter() - started)


async def livechat_visitor(base_url: str, turns: int, latencies: list[float]) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/visitor/session", json={"language": "en"}) as response:
            token = (await response.json())["visitor_token"]
    client = socketio.AsyncClient(reconnection=False)
    waiting: dict[str, asyncio.Future] = {}
    state = {"after_seq": 0}

    def on_message(message: dict) -> None:
        if message["sender"] == "bot" and message["seq"] > state["after_seq"]:
            future = waiting.pop("reply", None)
            if future and not future.done():
                future.set_result(message)

    client.on("message", on_message, namespace="/visitor")
    await client.connect(base_url, namespaces=["/visitor"], auth={"token": token}, transports=["websocket"])
    try:
        for i in range(turns):
            future = asyncio.get_running_loop().create_future()
            waiting["reply"] = future
            started = time.perf_counter()
            ack = await client.call("message", {"client_id": f"b{i}", "text": SCRIPT[i % len(SCRIPT)]}, namespace="/visitor")
            assert ack["ok"], ack
            state["after_seq"] = ack["message"]["seq"]
            await asyncio.wait_for(future, timeout=30)
            latencies.append(time.perf_counter() - started)
    finally:
        await client.disconnect()


async def run_phase(name: str, visitors: int, turns: int, make) -> dict:
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(make(latencies) for _ in range(visitors)))
    elapsed = time.perf_counter() - started
    return {"name": name, "turns": len(latencies), "tps": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000, "p99": percentile(latencies, 0.99) * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--turns", type=int, default=30, help="turns per visitor per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of both modes")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    installed = installed_rasa()
    if installed is None:
        sys.exit("Rasa is not set up: run ./scripts/test (or ./scripts/up) once first.")
    rasa_bin, model = installed
    workdir = Path(tempfile.mkdtemp(prefix="bench-bot-turns-"))
    api_port, token = free_port(), secrets.token_urlsafe(16)
    config = stack.RasaStack(rasa_bin=rasa_bin, model=model, api_url=f"http://127.0.0.1:{api_port}", bot_api_token=token,
                             rasa_port=free_port(), actions_port=free_port(), log_dir=workdir)
    pg_name = None
    if args.database == "postgres":
        pg_name, db_url = await create_pg_database()
    else:
        db_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await migrate(db_url)
    env = {**os.environ, "LIVECHAT_DATABASE_URL": db_url, "LIVECHAT_PORT": str(api_port), "LIVECHAT_RASA_URL": config.rasa_url,
           "LIVECHAT_BOT_API_TOKEN": token, "LIVECHAT_DATA_DIR": str(workdir), "LIVECHAT_LOG_LEVEL": "WARNING"}
    livechat_bin = Path(sys.executable).parent / "livechat"
    subprocess.run([livechat_bin, "seed-demo"], env=env, check=True, capture_output=True)
    processes = [stack.start_action_server(config), stack.start_rasa_server(config)]
    server = subprocess.Popen([livechat_bin, "serve"], env=env, stdout=open(workdir / "livechat.log", "wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    processes.append(server)
    try:
        with console.status("starting Rasa (about 30 s)..."):
            await stack.wait_for_rasa(config.rasa_url, process=processes[1])
            await stack.wait_for_http(f"http://127.0.0.1:{api_port}/health", process=server)
        webhook = f"{config.rasa_url}/webhooks/rest/webhook"
        base_url = f"http://127.0.0.1:{api_port}"
        results: dict[str, list[dict]] = {"rasa": [], "livechat": []}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            # Warm-up: first turns load TensorFlow graphs and connection pools.
            await run_phase("warmup", args.visitors, 3, lambda lat: direct_visitor(http, webhook, 3, lat))
            await run_phase("warmup", args.visitors, 3, lambda lat: livechat_visitor(base_url, 3, lat))
            for round_no in range(args.rounds):
                with console.status(f"round {round_no + 1}/{args.rounds}"):
                    results["rasa"].append(await run_phase(
                        "rasa", args.visitors, args.turns, lambda lat: direct_visitor(http, webhook, args.turns, lat)))
                    results["livechat"].append(await run_phase(
                        "livechat", args.visitors, args.turns, lambda lat: livechat_visitor(base_url, args.turns, lat)))
    finally:
        for process in processes:
            stack.stop(process)
        if pg_name:
            await drop_pg_database(pg_name)

    def combined(rows: list[dict]) -> dict:
        return {k: statistics.mean(r[k] for r in rows) for k in ("tps", "p50", "p99")} | {"turns": sum(r["turns"] for r in rows)}

    rasa, ours = combined(results["rasa"]), combined(results["livechat"])
    table = Table(title=f"Bot turns: {args.visitors} concurrent visitors, {args.rounds} rounds x {args.turns} turns each, {args.database}")
    for column in ("path", "turns", "turns/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row("Rasa REST webhook alone", str(rasa["turns"]), f"{rasa['tps']:.1f}", f"{rasa['p50']:.1f}", f"{rasa['p99']:.1f}")
    table.add_row("through livechat (socket.io + DB)", str(ours["turns"]), f"{ours['tps']:.1f}", f"{ours['p50']:.1f}", f"{ours['p99']:.1f}")
    console.print(table)
    added = ours["p50"] - rasa["p50"]
    ratio = ours["tps"] / rasa["tps"]
    console.print(f"p50 added by livechat: {added:+.1f} ms (target <= 5 ms)  {'OK' if added <= 5 else 'MISSED'}")
    console.print(f"throughput ratio livechat/Rasa: {ratio:.3f} (target >= 0.95)  {'OK' if ratio >= 0.95 else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
