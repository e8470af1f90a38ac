"""How Rasa's turn time grows with the length of one conversation, straight to Rasa (no livechat).

Starts the Rasa action server and a Rasa server with the trained model, then one visitor at a time
sends the shop script over and over in a single conversation, straight to Rasa's REST webhook, and
after each turn reads the tracker the way livechat's bot bridge does (GET .../tracker?include_events=NONE,
for the parse data of the turn). Prints both latencies and the tracker's event count by turn number.

    .venv/bin/python bench/bot_conversation_length.py                  # 150 turns, 2 conversations
    .venv/bin/python bench/bot_conversation_length.py --turns 300 --conversations 1
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livechat import stack  # noqa: E402
from tests.fixtures import free_port, installed_rasa  # noqa: E402

SCRIPT = ["hi", "where is my order 1002?", "what payment methods do you accept?", "how long does shipping take?",
          "is the wool scarf in stock?", "thanks"]
BUCKET = 10
console = Console(width=None if sys.stdout.isatty() else 150)


async def conversation(http: aiohttp.ClientSession, rasa_url: str, token: str, turns: int) -> list[tuple[float, float, int]]:
    """(webhook seconds, tracker read seconds, events in the tracker) per turn."""
    sender = f"length-{uuid.uuid4()}"
    rows = []
    for i in range(turns):
        started = time.perf_counter()
        async with http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": SCRIPT[i % len(SCRIPT)]}) as response:
            replies = await response.json()
        assert response.status == 200 and replies, replies
        webhook_s = time.perf_counter() - started
        started = time.perf_counter()
        async with http.get(f"{rasa_url}/conversations/{sender}/tracker", params={"include_events": "NONE", "token": token}) as response:
            assert response.status == 200, await response.text()
            await response.json()
        read_s = time.perf_counter() - started
        events = 0
        if i % BUCKET == BUCKET - 1:  # the whole tracker, once per block: not part of what is timed
            async with http.get(f"{rasa_url}/conversations/{sender}/tracker", params={"include_events": "ALL", "token": token}) as response:
                events = len((await response.json())["events"])
        rows.append((webhook_s, read_s, events))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=150, help="turns in each conversation")
    parser.add_argument("--conversations", type=int, default=2, help="conversations, one after the other")
    args = parser.parse_args()

    installed = installed_rasa()
    if installed is None:
        sys.exit("Rasa is not set up: run ./scripts/test (or ./scripts/up) once first.")
    rasa_bin, model = installed
    workdir = Path(tempfile.mkdtemp(prefix="bench-bot-length-"))
    token = secrets.token_urlsafe(16)
    config = stack.RasaStack(rasa_bin=rasa_bin, model=model, api_url=f"http://127.0.0.1:{free_port()}", bot_api_token=token,
                             rasa_port=free_port(), actions_port=free_port(), log_dir=workdir)
    processes = [stack.start_action_server(config), stack.start_rasa_server(config)]
    try:
        with console.status("starting Rasa (about 30 s)..."):
            await stack.wait_for_rasa(config.rasa_url, process=processes[1])
        runs = []
        async with aiohttp.ClientSession() as http:
            await conversation(http, config.rasa_url, token, 3)  # warm-up: first turns load the graphs
            for n in range(args.conversations):
                with console.status(f"conversation {n + 1}/{args.conversations}: {args.turns} turns..."):
                    runs.append(await conversation(http, config.rasa_url, token, args.turns))
    finally:
        for process in processes:
            stack.stop(process)

    table = Table(title=f"Rasa alone: turn time by length of the conversation ({args.conversations} conversations, "
                        f"one at a time, p50 over each block of {BUCKET} turns)")
    for column in ("turns", "events in tracker", "webhook p50 ms", "tracker read p50 ms"):
        table.add_column(column, justify="right")
    for start in range(0, args.turns, BUCKET):
        block = [row for run in runs for row in run[start:start + BUCKET]]
        events = max(row[2] for row in block)
        table.add_row(f"{start + 1}-{start + len(block) // len(runs)}", str(events) if events else "-",
                      f"{statistics.median(r[0] for r in block) * 1000:.1f}", f"{statistics.median(r[1] for r in block) * 1000:.1f}")
    console.print(table)
    first = [r for run in runs for r in run[:BUCKET]]
    last = [r for run in runs for r in run[-BUCKET:]]
    console.print(f"webhook p50: {statistics.median(r[0] for r in first) * 1000:.1f} ms over the first {BUCKET} turns, "
                  f"{statistics.median(r[0] for r in last) * 1000:.1f} ms over the last {BUCKET}")


if __name__ == "__main__":
    asyncio.run(main())
