"""Interaction events folded into profiles on PostgreSQL: ingest rate, freshness and a full rebuild, in one run.

On a fresh PostgreSQL database it creates N visitors (10% linked to a customer of their own, so every
visitor is one profile), then, from this one process, C concurrent producers each open transactions with
the real `transaction()` helper and `record()` a realistic mix of events for random visitors, B events
per transaction (B=1 is one request, B=20 is what the message writer's group commit stores together).
Each transaction folds its events into `profiles` before it commits; events/s counts events whose
transaction committed inside the measured window. Meanwhile a probe records an event for its own
visitor and reads that profile back in a new session until the event shows: the freshness is from the
start of the write call to the read that sees it, so it includes waiting for one of the server engine's
connections (pool of 10 + 10) and for the shared event loop, as a request in the server would. Last,
the log is refilled with a few events for each visitor (bulk inserts, about 400,000 for 100,000 visitors)
and `profile_store.rebuild` recomputes every profile, timed with its commit.

    .venv/bin/python bench/profile_events.py            # 100,000 visitors, 1,8,32 producers x B=1,20, 10 s each
    .venv/bin/python bench/profile_events.py --quick    # smoke run: 2,000 visitors, 2 s windows
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livechat.db.engine import create_engine, create_session_factory  # noqa: E402
from livechat.db.models import Customer, InteractionEvent, Profile, Visitor  # noqa: E402
from livechat.event_ingest import EventIngestor  # noqa: E402
from livechat.interaction_log import record  # noqa: E402
from livechat.profile_store import rebuild  # noqa: E402
from livechat.transaction import EventBus, transaction  # noqa: E402
from tests.support.backends import create_pg_database, drop_pg_database, migrate  # noqa: E402

EVENTS_PER_S_TARGET = 5_000
FRESHNESS_TARGET_MS = 1_000
CUSTOMER_SHARE = 0.10  # visitors who logged in once; their events fold into their customer's profile
EVENTS_PER_VISITOR = (2, 6)  # for the rebuild log: a few events each, 4 on average
PROBE_INTERVAL_S = 0.02
PROBE_TIMEOUT_S = 5.0
INSERT_CHUNK = 10_000
WARMUP_S = 1.0
# (type, weight): mostly page views and chat, some cart activity, few orders, ratings and consent changes.
EVENT_MIX = (("track.page_view", 40), ("message.created", 20), ("visitor.session", 15), ("track.cart_add", 10),
             ("order.placed", 6), ("consent.changed", 5), ("conversation.rated", 4))
SKUS = ("SW-001", "WS-014", "HB-220", "GL-007", "BT-310", "CP-042")
# The callers pass the visitor's customer for these (visitor_privacy.track/give_consent, orders); the rest only the visitor.
WITH_CUSTOMER = ("track.", "consent.", "order.")
console = Console(width=None if sys.stdout.isatty() else 150)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Person:
    visitor_id: uuid.UUID
    customer_id: uuid.UUID | None


def make_event(rng: random.Random, person: Person) -> tuple[str, dict[str, Any]]:
    """One event as record() gets it from the code that logs that type: (type, keyword arguments)."""
    type_ = rng.choices([t for t, _ in EVENT_MIX], cum_weights=_CUM_WEIGHTS)[0]
    kwargs: dict[str, Any] = {"visitor_id": person.visitor_id}
    if type_.startswith(WITH_CUSTOMER):
        kwargs["customer_id"] = person.customer_id
    if type_ == "visitor.session":
        data: dict[str, Any] = {"language": "en"}
    elif type_ == "track.page_view":
        data = {"path": f"/products/{rng.choice(SKUS).lower()}", "referrer": "https://www.google.com/"}
    elif type_ == "track.cart_add":
        data = {"sku": rng.choice(SKUS), "qty": rng.randint(1, 3), "price_cents": rng.randint(900, 12_000)}
    elif type_ == "message.created":
        data = {"seq": rng.randint(1, 40), "sender": "visitor", "chars": rng.randint(5, 200)}
        kwargs["conversation_id"] = uuid.uuid4()
    elif type_ == "conversation.rated":
        data = {"rating": rng.randint(1, 5), "has_comment": rng.random() < 0.2}
        kwargs["conversation_id"] = uuid.uuid4()
    elif type_ == "consent.changed":
        data = {"purpose": rng.choice(("tracking", "identification")), "granted": rng.random() < 0.8,
                "notice_version": "2024-05", "source": "widget"}
    else:
        data = {"order_number": str(rng.randint(1000, 99_999)), "total_cents": rng.randint(1_500, 40_000), "currency": "EUR"}
    kwargs["data"] = data
    return type_, kwargs


_CUM_WEIGHTS = [sum(w for _, w in EVENT_MIX[: i + 1]) for i in range(len(EVENT_MIX))]


# -- set-up ------------------------------------------------------------------------------------------


async def create_people(engine: AsyncEngine, count: int, rng: random.Random) -> list[Person]:
    """Visitors in bulk; every tenth linked to a customer of its own, so there is one profile per visitor."""
    people = [Person(uuid.uuid4(), uuid.uuid4() if rng.random() < CUSTOMER_SHARE else None) for _ in range(count)]
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        customers = [{"id": p.customer_id, "created_at": now} for p in people if p.customer_id]
        for i in range(0, len(customers), INSERT_CHUNK):
            await conn.execute(insert(Customer), customers[i:i + INSERT_CHUNK])
        for i in range(0, count, INSERT_CHUNK):
            await conn.execute(insert(Visitor), [
                {"id": p.visitor_id, "customer_id": p.customer_id, "language": "en", "created_at": now, "last_seen_at": now,
                 "consent_tracking": True} for p in people[i:i + INSERT_CHUNK]
            ])
    return people


async def fill_log(engine: AsyncEngine, people: list[Person], rng: random.Random) -> int:
    """A few events for every visitor, written straight to interaction_events (no folding); returns how many."""
    start = datetime.now(UTC) - timedelta(days=90)
    rows: list[dict[str, Any]] = []
    written = 0
    async with engine.begin() as conn:
        for person in people:
            for _ in range(rng.randint(*EVENTS_PER_VISITOR)):
                type_, kwargs = make_event(rng, person)
                rows.append({"type": type_, "occurred_at": start + timedelta(seconds=written + len(rows)),
                             "customer_id": None, "conversation_id": None, **kwargs})
            if len(rows) >= INSERT_CHUNK:
                await conn.execute(insert(InteractionEvent), rows)
                written, rows = written + len(rows), []
        if rows:
            await conn.execute(insert(InteractionEvent), rows)
            written += len(rows)
    return written


# -- measurements ------------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of this process and of the PostgreSQL backends serving the benchmark's database."""

    def __init__(self, database: str) -> None:
        self._database = database

    def sample(self) -> tuple[float, float, float]:
        busy = lambda t: t.user + t.system  # noqa: E731
        pg = 0.0
        for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            if proc.info["name"] == "postgres" and proc.info["cpu_times"]:
                cmdline = " ".join(proc.info["cmdline"] or ())
                if self._database in cmdline:
                    pg += busy(proc.info["cpu_times"])
                elif _is_postmaster(proc):
                    # Backends that exited meanwhile (pool overflow connections) are counted in its children.
                    pg += proc.info["cpu_times"].children_user + proc.info["cpu_times"].children_system
        return time.perf_counter(), busy(psutil.Process().cpu_times()), pg


def _is_postmaster(proc: psutil.Process) -> bool:
    try:
        parent = proc.parent()
        return parent is None or parent.name() != "postgres"
    except psutil.Error:
        return False


@dataclass
class Level:
    producers: int
    batch: int  # events per transaction; 0: each producer writes one event at a time through the ingestor
    start: float
    end: float
    commits: int = 0  # transactions committed in the measured window (ingestor rows)
    txn_s: list[float] = field(default_factory=list)
    events: int = 0
    errors: int = 0
    committed: int = 0  # every event the producers and the probe committed, warm-up included
    fresh_s: list[float] = field(default_factory=list)  # write call start -> visible
    fresh_commit_s: list[float] = field(default_factory=list)  # write call start -> committed
    fresh_after_commit_s: list[float] = field(default_factory=list)  # committed -> the read that saw it
    fresh_first_read: int = 0
    fresh_timeouts: int = 0
    cpu: dict[str, float] = field(default_factory=dict)


async def producer(sessions: async_sessionmaker[AsyncSession], bus: EventBus, people: list[Person], level: Level,
                   rng: random.Random) -> None:
    while time.perf_counter() < level.end:
        t0 = time.perf_counter()
        try:
            async with transaction(sessions, bus) as tx:
                for _ in range(level.batch):
                    type_, kwargs = make_event(rng, rng.choice(people))
                    record(tx, type_, **kwargs)
        except DBAPIError as exc:
            level.errors += 1
            if level.errors == 1:
                console.print(f"[red]{level.producers} producers x {level.batch}: {exc.orig!r}")
            continue
        t1 = time.perf_counter()
        level.committed += level.batch
        if level.start <= t1 < level.end:
            level.txn_s.append(t1 - t0)
            level.events += level.batch


async def caller(ingestor: EventIngestor, people: list[Person], level: Level, rng: random.Random) -> None:
    """One visitor connection's worth of traffic: one event at a time, through the group-committing ingestor."""
    while time.perf_counter() < level.end:
        type_, kwargs = make_event(rng, rng.choice(people))
        if type_.startswith("track."):
            kwargs.pop("customer_id", None)  # the ingestor reads the link with the consent, as for the widget's track
        t0 = time.perf_counter()
        try:
            await ingestor.record(type_, gate="tracking" if type_.startswith("track.") else None, **kwargs)
        except DBAPIError as exc:
            level.errors += 1
            if level.errors == 1:
                console.print(f"[red]{level.producers} callers through the ingestor: {exc.orig!r}")
            continue
        t1 = time.perf_counter()
        level.committed += 1
        if level.start <= t1 < level.end:
            level.txn_s.append(t1 - t0)
            level.events += 1


async def probe_events(session: AsyncSession, visitor_id: uuid.UUID) -> int:
    state = await session.scalar(select(Profile.state).where(Profile.subject_id == visitor_id))
    return state["sum"].get("events", 0) if state else 0


async def probe(sessions: async_sessionmaker[AsyncSession], write: Callable[[], Awaitable[Any]], visitor_id: uuid.UUID,
                level: Level) -> None:
    """Write one event for the probe visitor, then read its profile in new sessions until the event shows."""
    async with sessions() as session:
        expected = await probe_events(session, visitor_id)
    while time.perf_counter() < level.end:
        t0 = time.perf_counter()
        await write()
        committed = time.perf_counter()
        level.committed += 1
        expected += 1
        reads, visible = 0, False
        while not visible and time.perf_counter() - t0 < PROBE_TIMEOUT_S:
            if reads:
                await asyncio.sleep(0.001)
            reads += 1
            async with sessions() as session:
                visible = await probe_events(session, visitor_id) >= expected
        seen = time.perf_counter()
        if level.start <= t0 < level.end:
            level.fresh_timeouts += not visible
            level.fresh_s.append(seen - t0)
            level.fresh_commit_s.append(committed - t0)
            level.fresh_after_commit_s.append(seen - committed)
            level.fresh_first_read += reads == 1
        await asyncio.sleep(PROBE_INTERVAL_S)


async def run_level(sessions: async_sessionmaker[AsyncSession], people: list[Person], probe_visitor: uuid.UUID,
                    producers: int, batch: int, seconds: float, meter: CpuMeter, seed: int) -> Level:
    now = time.perf_counter()
    level = Level(producers, batch, start=now + WARMUP_S, end=now + WARMUP_S + seconds)
    bus = EventBus()

    def counted_transaction():
        if level.start <= time.perf_counter() < level.end:
            level.commits += 1
        return transaction(sessions, bus)

    ingestor = EventIngestor(counted_transaction, may_track=lambda visitor: visitor.consent_tracking is not False)
    ingestor.start()

    async def probe_write() -> None:
        if batch == 0:
            await ingestor.record("visitor.session", visitor_id=probe_visitor, data={"language": "en"})
            return
        async with transaction(sessions, bus) as tx:
            record(tx, "visitor.session", visitor_id=probe_visitor, data={"language": "en"})

    async def measure_cpu() -> None:
        await asyncio.sleep(max(0.0, level.start - time.perf_counter()))
        t0, bench0, pg0 = meter.sample()
        await asyncio.sleep(max(0.0, level.end - time.perf_counter()))
        t1, bench1, pg1 = meter.sample()
        level.cpu = {"bench": 100 * (bench1 - bench0) / (t1 - t0), "postgres": 100 * (pg1 - pg0) / (t1 - t0)}

    writers = (
        [caller(ingestor, people, level, random.Random(seed * 1000 + i)) for i in range(producers)] if batch == 0
        else [producer(sessions, bus, people, level, random.Random(seed * 1000 + i)) for i in range(producers)]
    )
    try:
        await asyncio.gather(measure_cpu(), probe(sessions, probe_write, probe_visitor, level), *writers)
    finally:
        await ingestor.close()
    return level


class PeakRss:
    """Samples this process's RSS from a thread, so CPU-bound stretches of the event loop are seen too."""

    def __init__(self, interval_s: float = 0.02) -> None:
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.peak = psutil.Process().memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        process = psutil.Process()
        while not self._stop.wait(self._interval_s):
            self.peak = max(self.peak, process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, psutil.Process().memory_info().rss)


async def logged_vs_folded(engine: AsyncEngine) -> tuple[int, int]:
    """(rows in the log, events counted across all profiles). The log also holds what the fold itself
    records about profiles (e.g. segment changes), which counts as no one's behaviour."""
    async with engine.connect() as conn:
        logged = await conn.scalar(select(func.count()).select_from(InteractionEvent))
        folded = await conn.scalar(text("SELECT coalesce(sum((state->'sum'->>'events')::bigint), 0) FROM profiles"))
    return logged, int(folded)


# -- report ------------------------------------------------------------------------------------------


def label(lv: Level) -> str:
    return "ingestor" if lv.batch == 0 else "transaction"


def row_name(lv: Level) -> str:
    if lv.batch == 0:
        return f"{lv.producers} callers, one event each, via the ingestor"
    return f"{lv.producers} producers x {lv.batch} events/txn"


def print_report(levels: list[Level], seconds: float, visitors: int, rebuilt: dict[str, Any], checks: list[str]) -> None:
    ingest = Table(title=f"Ingest: events folded into profiles on PostgreSQL, one process, {visitors:,} visitors, {seconds:g} s per row")
    for column in ("path", "producers", "events/txn", "txns", "events/s", "p50 call ms", "p99 call ms", "errors", "bench CPU %", "postgres CPU %"):
        ingest.add_column(column, justify="right" if column != "path" else "left")
    for lv in levels:
        txns = lv.commits if lv.batch == 0 else len(lv.txn_s)
        per_txn = f"{lv.events / lv.commits:,.0f} (grouped)" if lv.batch == 0 and lv.commits else str(lv.batch)
        ingest.add_row(label(lv), str(lv.producers), per_txn, f"{txns:,}", f"{lv.events / seconds:,.0f}",
                       f"{statistics.median(lv.txn_s) * 1000:.1f}" if lv.txn_s else "-",
                       f"{percentile(lv.txn_s, 0.99) * 1000:.1f}" if lv.txn_s else "-", str(lv.errors),
                       f"{lv.cpu.get('bench', 0):.0f}", f"{lv.cpu.get('postgres', 0):.0f}")
    console.print(ingest)

    fresh = Table(title="Freshness: start of the probe's write call -> its event visible in the profile from a new session")
    for column in ("under load", "probes", "seen on first read", "p50 ms", "p99 ms", "max ms", "p50 to commit ms",
                   "p99 read after commit ms", "timeouts"):
        fresh.add_column(column, justify="right" if column != "under load" else "left")
    for lv in levels:
        if not lv.fresh_s:
            fresh.add_row(row_name(lv), "0", *["-"] * 7)
            continue
        fresh.add_row(row_name(lv), str(len(lv.fresh_s)),
                      f"{100 * lv.fresh_first_read / len(lv.fresh_s):.0f}%", f"{statistics.median(lv.fresh_s) * 1000:.1f}",
                      f"{percentile(lv.fresh_s, 0.99) * 1000:.1f}", f"{max(lv.fresh_s) * 1000:.1f}",
                      f"{statistics.median(lv.fresh_commit_s) * 1000:.1f}", f"{percentile(lv.fresh_after_commit_s, 0.99) * 1000:.1f}",
                      str(lv.fresh_timeouts))
    console.print(fresh)

    rb = Table(title="Rebuild: profile_store.rebuild from the log, with its commit")
    for column in ("events", "profiles", "seconds", "events/s", "RSS before MB", "peak RSS MB"):
        rb.add_column(column, justify="right")
    rb.add_row(f"{rebuilt['events']:,}", f"{rebuilt['profiles']:,}", f"{rebuilt['seconds']:.1f}",
               f"{rebuilt['events'] / rebuilt['seconds']:,.0f}", f"{rebuilt['rss_before'] / 2**20:.0f}", f"{rebuilt['rss_peak'] / 2**20:.0f}")
    console.print(rb)

    best = max(levels, key=lambda lv: lv.events)
    single = [lv for lv in levels if lv.batch == 1]
    ingested = [lv for lv in levels if lv.batch == 0]
    best_rate = best.events / seconds
    console.print(f"ingest: best {best_rate:,.0f} events/s ({row_name(best)}), "
                  f"target >= {EVENTS_PER_S_TARGET:,} events/s on one process  {'OK' if best_rate >= EVENTS_PER_S_TARGET else 'MISSED'}")
    if single:
        one = max(single, key=lambda lv: lv.events)
        rate = one.events / seconds
        console.print(f"ingest, one event per transaction of its own: best {rate:,.0f} events/s ({one.producers} producers)  "
                      f"{'OK' if rate >= EVENTS_PER_S_TARGET else 'MISSED'}")
    if ingested:
        one = max(ingested, key=lambda lv: lv.events)
        rate = one.events / seconds
        console.print(f"ingest, one event per call through the ingestor (the widget's track path): best {rate:,.0f} events/s "
                      f"({one.producers} callers)  {'OK' if rate >= EVENTS_PER_S_TARGET else 'MISSED'}")
    probed = [lv for lv in levels if lv.fresh_s]
    if probed:
        worst = max(probed, key=lambda lv: percentile(lv.fresh_s, 0.99))
        worst_p99 = percentile(worst.fresh_s, 0.99) * 1000
        after_commit = max(s for lv in probed for s in lv.fresh_after_commit_s) * 1000
        timeouts = sum(lv.fresh_timeouts for lv in levels)
        console.print(f"freshness: worst p99 {worst_p99:.1f} ms ({row_name(worst)}), "
                      f"at most {after_commit:.1f} ms of it reading after the commit, over {sum(len(lv.fresh_s) for lv in probed):,} probes; "
                      f"target <= {FRESHNESS_TARGET_MS:,} ms  {'OK' if worst_p99 <= FRESHNESS_TARGET_MS and not timeouts else 'MISSED'}")
    for line in checks:
        console.print(line)


# -- main --------------------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 visitors, 2 s windows")
    parser.add_argument("--visitors", type=int, help="visitors, one profile each (default 100,000; --quick 2,000)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent producers, comma-separated")
    parser.add_argument("--batches", default="1,20", help="events per transaction, comma-separated")
    parser.add_argument("--callers", default="64,512", help="concurrent one-event-at-a-time callers through the ingestor, comma-separated")
    parser.add_argument("--seconds", type=float, help="measured window per row (default 10; --quick 2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    visitors = args.visitors or (2_000 if args.quick else 100_000)
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    levels = [int(x) for x in args.levels.split(",")]
    batches = [int(x) for x in args.batches.split(",") if x]
    callers = [int(x) for x in args.callers.split(",") if x]
    rng = random.Random(args.seed)
    started = time.perf_counter()

    pg_name, db_url = await create_pg_database()
    try:
        await migrate(db_url)
        engine = create_engine(db_url)  # the server's engine: pool of 10 + 10 overflow
        sessions = create_session_factory(engine)
        try:
            with console.status(f"creating {visitors:,} visitors..."):
                t0 = time.perf_counter()
                people = await create_people(engine, visitors + 1, rng)
                probe = next(p for p in reversed(people) if p.customer_id is None)  # its own profile, read by visitor id
                people.remove(probe)
                probe_visitor = probe.visitor_id
                console.print(f"created {visitors:,} visitors in {time.perf_counter() - t0:.1f} s")
            meter = CpuMeter(pg_name)
            results: list[Level] = []
            plan = [(producers, batch) for batch in batches for producers in levels] + [(n, 0) for n in callers]
            for producers, batch in plan:
                with console.status(f"ingest: {producers} x {batch or 'ingestor'}, {seconds:g} s..."):
                    results.append(await run_level(sessions, people, probe_visitor, producers, batch, seconds, meter,
                                                   seed=args.seed * 100 + len(results)))
                lv = results[-1]
                console.print(f"  {row_name(lv)}: {lv.events / seconds:,.0f} events/s")
            logged, folded = await logged_vs_folded(engine)
            committed = sum(lv.committed for lv in results)
            checks = [f"check: {committed:,} events committed during ingest, {folded:,} counted in profiles  "
                      f"{'OK' if committed == folded else 'MISMATCH'}; the log has {logged - committed:,} more rows the fold recorded itself"]

            with console.status("refilling the log for the rebuild..."):
                t0 = time.perf_counter()
                async with engine.begin() as conn:
                    await conn.execute(text("TRUNCATE interaction_events, profiles RESTART IDENTITY"))
                events = await fill_log(engine, people, rng)
                async with engine.begin() as conn:
                    await conn.execute(text("ANALYZE interaction_events"))
                console.print(f"wrote {events:,} events for {len(people):,} visitors in {time.perf_counter() - t0:.1f} s")
            with console.status(f"rebuilding {len(people):,} profiles from {events:,} events..."):
                rss_before = psutil.Process().memory_info().rss
                with PeakRss() as rss:
                    t0 = time.perf_counter()
                    async with sessions() as session, session.begin():
                        profiles = await rebuild(session)
                    rebuild_s = time.perf_counter() - t0
            logged, folded = await logged_vs_folded(engine)
            checks.append(f"check: rebuild wrote {profiles:,} profiles for {len(people):,} visitors, {folded:,} of {logged:,} events "
                          f"counted  {'OK' if profiles == len(people) and folded == logged else 'MISMATCH'}")
        finally:
            await engine.dispose()
    finally:
        await drop_pg_database(pg_name)

    print_report(results, seconds, visitors,
                 {"events": events, "profiles": profiles, "seconds": rebuild_s, "rss_before": rss_before, "rss_peak": rss.peak}, checks)
    console.print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("profile_events: interrupted; the database is dropped.")
