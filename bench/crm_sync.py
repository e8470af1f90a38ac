"""CRM sync throughput and memory: N customer profiles on PostgreSQL streamed to the stand-in HubSpot CRM.

On a fresh PostgreSQL database it bulk-inserts N customers with identities, profiles (consent to be
identified and tracked, a few orders, visits) and some segment memberships, starts the stand-in CRM
(tests/support/crm_standin.py) in its own process, and runs the real contacts stream
(crm_sync.streams.run_stream, batches of 100, cursor moved per acknowledged batch) from this process.
records/s counts contacts the CRM acknowledged; RSS (psutil) is sampled after every batch, so a sync
that loaded everything would show it growing with N. The machine's load average and the sync process's
own CPU time are printed too: on a shared machine the rate says as much about the neighbours as about us.

    .venv/bin/python bench/crm_sync.py                  # 100,000 profiles
    .venv/bin/python bench/crm_sync.py --profiles 10000 # smaller run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import psutil
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_sync.hubspot import HubSpot  # noqa: E402
from crm_sync.streams import run_stream  # noqa: E402
from livechat.db.engine import create_engine, create_session_factory  # noqa: E402
from livechat.profile_state import combine, empty, from_event  # noqa: E402
from tests.fixtures import free_port  # noqa: E402
from tests.support.backends import create_pg_database, drop_pg_database, migrate  # noqa: E402

TARGET_RECORDS_PER_S = 2_000
TOKEN = "bench-token"
CHUNK = 10_000


def _state(n: int, now: datetime) -> dict:
    """A realistic folded profile: consent given, some visits and chats, 0-3 orders."""
    at = now - timedelta(days=n % 200)
    state = empty()
    events = [("consent.changed", {"purpose": "identification", "granted": True}), ("consent.changed", {"purpose": "tracking", "granted": True}),
              ("visitor.session", {}), ("conversation.started", {"language": "en"})]
    events += [("order.placed", {"total_cents": 1000 + (n % 97) * 100}) for _ in range(n % 4)]
    for i, (kind, data) in enumerate(events):
        state = combine(state, from_event(kind, data, at, n * 10 + i))
    return state


async def seed(url: str, count: int) -> float:
    """Bulk-insert customers, identities, profiles and memberships with COPY; returns seconds taken."""
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    # COPY speaks the binary format: jsonb is a version byte, then the JSON text.
    await conn.set_type_codec("jsonb", encoder=lambda v: b"\x01" + json.dumps(v).encode(), decoder=lambda b: json.loads(b[1:]),
                              schema="pg_catalog", format="binary")
    now = datetime.now(UTC)
    # A handful of distinct states, reused: the sync's cost does not depend on their variety.
    states = [_state(n, now) for n in range(64)]
    try:
        for first in range(0, count, CHUNK):
            ids = [uuid.uuid4() for _ in range(first, min(first + CHUNK, count))]
            stamp = now - timedelta(seconds=60)
            await conn.copy_records_to_table("customers", records=[(i, None, stamp) for i in ids], columns=["id", "external_ref", "created_at"])
            await conn.copy_records_to_table("customer_identities", columns=["customer_id", "email", "name", "phone", "updated_at"],
                                             records=[(i, f"bench{first + k}@example.com", f"Bench Customer{first + k}", None, stamp)
                                                      for k, i in enumerate(ids)])
            await conn.copy_records_to_table("profiles", columns=["subject_id", "subject_kind", "state", "updated_at"],
                                             records=[(i, "customer", states[(first + k) % 64], stamp - timedelta(microseconds=k))
                                                      for k, i in enumerate(ids)])
            await conn.copy_records_to_table("segment_memberships", columns=["subject_id", "segment", "since"],
                                             records=[(i, "repeat_customer", stamp) for k, i in enumerate(ids) if k % 10 == 0])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def wait_for_port(port: int, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError("the stand-in CRM exited")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the stand-in CRM did not start")


async def run(count: int, batch: int, calls: int, keep: bool) -> None:
    console = Console(width=160)
    name, url = await create_pg_database()
    port = free_port()
    standin = subprocess.Popen([sys.executable, "-m", "tests.support.crm_standin", "--port", str(port), "--token", TOKEN], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    engine = create_engine(url, pool_size=2)
    me = psutil.Process()
    try:
        await migrate(url)
        seed_s = await seed(url, count)
        console.print(f"seeded {count:,} profiles in {seed_s:.1f} s")
        await wait_for_port(port, standin)
        sessions = create_session_factory(engine)
        rss_start = me.memory_info().rss
        samples: list[tuple[int, int]] = []
        sent_so_far = 0

        def progress(stream: str, read: int, sent: int) -> None:
            nonlocal sent_so_far
            sent_so_far += sent
            samples.append((sent_so_far, me.memory_info().rss))

        async with aiohttp.ClientSession() as http:
            crm = HubSpot(http, f"http://127.0.0.1:{port}", TOKEN)
            cpu_before = me.cpu_times()
            started = time.perf_counter()
            sent = await run_stream(sessions, crm, "contacts", size=batch, settle_s=0, calls=calls, progress=progress)
            elapsed = time.perf_counter() - started
            cpu_after = me.cpu_times()
            sync_cpu_s = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
            load_1m = os.getloadavg()[0]
            async with http.get(f"http://127.0.0.1:{port}/_standin/stats") as response:
                stats = await response.json()
        peak = max(rss for _, rss in samples)
        at_tenth = next(rss for n, rss in samples if n >= count // 10)
        table = Table(title=f"CRM sync: {count:,} profiles to the stand-in HubSpot CRM (PostgreSQL, {calls} calls of {batch} in flight)")
        for column in ("records sent", "CRM contacts", "created twice", "seconds", "records/s", "sync CPU s", "load (1 min)",
                       "RSS at start", "RSS at 10%", "peak RSS"):
            table.add_column(column, justify="right")
        table.add_row(f"{sent:,}", f"{stats['objects']['contacts']:,}", str(len(stats["created_twice"])), f"{elapsed:.1f}",
                      f"{sent / elapsed:,.0f}", f"{sync_cpu_s:.1f}", f"{load_1m:.1f}", f"{rss_start / 2**20:.0f} MB", f"{at_tenth / 2**20:.0f} MB",
                      f"{peak / 2**20:.0f} MB")
        console.print(table)
        verdict = "met" if sent / elapsed >= TARGET_RECORDS_PER_S else "NOT met"
        console.print(f"target {TARGET_RECORDS_PER_S:,} records/s: {verdict}; memory grew {(peak - at_tenth) / 2**20:.1f} MB "
                      f"over the last 90% of the run")
    finally:
        await engine.dispose()
        standin.terminate()
        standin.wait(timeout=10)
        if not keep:
            await drop_pg_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--calls", type=int, default=4, help="CRM calls in flight per step (LIVECHAT_CRM_CALLS_IN_FLIGHT)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.profiles, args.batch, args.calls, args.keep_db))


if __name__ == "__main__":
    main()
