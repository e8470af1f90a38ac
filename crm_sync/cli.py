"""The `crm-sync` command: run the worker, run or queue a sync (with progress bars), status, dead
letters, CSV/JSONL export and order import (backfill)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from livechat.settings import Settings

console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        sys.exit(f"crm-sync: invalid settings:\n{exc}")


def _bars() -> Progress:
    return Progress(TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    transient=False)


async def _with_db(settings: Settings, work):
    from livechat.db.engine import create_engine, create_session_factory

    engine = create_engine(settings.database_url, pool_size=2)
    try:
        return await work(create_session_factory(engine))
    finally:
        await engine.dispose()


def cmd_worker(args: argparse.Namespace) -> None:
    from livechat.logging_setup import configure_logging

    from crm_sync.jobs import worker

    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json)
    worker(settings, burst=args.burst).run()


async def _run_inline(settings: Settings, connector: str) -> dict[str, int]:
    import aiohttp

    from crm_sync.jobs import run_connector
    from crm_sync.streams import STREAMS, backlog

    async def work(sessions):
        async with aiohttp.ClientSession() as http:
            with _bars() as bars:
                tasks = {s: bars.add_task(s, total=await backlog(sessions, connector, s)) for s in STREAMS}
                ctx = {"settings": settings, "sessions": sessions, "http": http}
                # The bars count rows read; records sent can be fewer (customers without consent stay home).
                return await run_connector(ctx, connector, progress=lambda stream, read, sent: bars.advance(tasks[stream], read))

    return await _with_db(settings, work)


def cmd_run(args: argparse.Namespace) -> None:
    from crm_sync import connectors

    settings = _settings()
    names = connectors.configured(settings) if args.connector == "all" else [args.connector]
    if not names:
        sys.exit("crm-sync: no connector is configured (see the README's CRM sync settings)")
    if args.enqueue:
        from crm_sync.jobs import enqueue, pool

        async def queue():
            redis = await pool(settings)
            try:
                return {name: await enqueue(redis, settings, name) for name in names}
            finally:
                await redis.aclose()

        for name, queued in asyncio.run(queue()).items():
            print(f"{name}: {'queued' if queued else 'already queued or running'}")
        return
    for name in names:
        try:
            sent = asyncio.run(_run_inline(settings, name))
        except LookupError as exc:
            sys.exit(f"crm-sync: {exc}")
        print(json.dumps({"connector": name, "sent": sent}))


def cmd_status(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from livechat.db.crm_models import CrmCursor

    settings = _settings()

    async def cursors(sessions):
        async with sessions() as session:
            return list(await session.scalars(select(CrmCursor).order_by(CrmCursor.connector, CrmCursor.stream)))

    table = Table(title="CRM sync cursors")
    for column in ("connector", "stream", "records sent", "position", "moved at"):
        table.add_column(column)
    for c in asyncio.run(_with_db(settings, cursors)):
        table.add_row(c.connector, c.stream, str(c.records), json.dumps(c.position), c.updated_at.isoformat(timespec="seconds"))
    Console().print(table)
    if settings.redis_url:
        from crm_sync import dead_letters, status
        from crm_sync.jobs import pool

        async def runs():
            redis = await pool(settings)
            try:
                return await status.all_status(redis, settings.crm_queue), len(await dead_letters.entries(redis, settings.crm_queue))
            finally:
                await redis.aclose()

        last, dead = asyncio.run(runs())
        print(json.dumps({"last_runs": last, "dead_letters": dead}, indent=2))


def cmd_dead_letters(args: argparse.Namespace) -> None:
    from crm_sync import dead_letters
    from crm_sync.jobs import pool

    settings = _settings()

    async def work():
        redis = await pool(settings)
        try:
            if args.replay is None:
                return await dead_letters.entries(redis, settings.crm_queue)
            replayed = []
            for entry in await dead_letters.take(redis, settings.crm_queue, None if args.replay == "all" else args.replay):
                # A fresh job id: the replay is a new attempt, not a duplicate of the failed one.
                job = await redis.enqueue_job(entry["function"], *entry["args"], _queue_name=settings.crm_queue)
                replayed.append({"id": entry["id"], "job_id": job.job_id if job else None})
            return replayed
        finally:
            await redis.aclose()

    print(json.dumps(asyncio.run(work()), indent=2))


def cmd_export(args: argparse.Namespace) -> None:
    from crm_sync import files

    settings = _settings()

    async def work(sessions):
        rows = files.contacts(sessions) if args.what == "contacts" else files.orders(sessions)
        with (open(args.out, "w", newline="", encoding="utf-8") if args.out != "-" else sys.stdout) as out:
            return await files.write(rows, out, args.format)

    count = asyncio.run(_with_db(settings, work))
    console.print(f"exported {count} {args.what}")


def cmd_import(args: argparse.Namespace) -> None:
    from crm_sync import files
    from livechat.transaction import EventBus, transaction

    settings = _settings()
    path = Path(args.file)
    fmt = args.format or ("csv" if path.suffix == ".csv" else "jsonl")
    total = sum(1 for _ in files.read_orders(path, fmt, args.platform))

    async def work(sessions):
        bus = EventBus()
        with _bars() as bars:
            task = bars.add_task("orders", total=total)
            return await files.import_orders(lambda: transaction(sessions, bus), path, fmt, args.platform,
                                             progress=lambda n: bars.advance(task, n))

    result = asyncio.run(_with_db(settings, work))
    print(json.dumps(result, indent=2))
    if result["errors"]:
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-sync", description="Sync profiles, chats and orders with CRMs and shops.")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="run the arq worker (scheduled and queued syncs)")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.set_defaults(func=cmd_worker)
    run = sub.add_parser("run", help="sync a connector now, with progress bars (or --enqueue for the worker)")
    run.add_argument("connector", choices=["hubspot", "webhook", "all"])
    run.add_argument("--enqueue", action="store_true", help="queue the job for the worker instead of running it here")
    run.set_defaults(func=cmd_run)
    sub.add_parser("status", help="cursors, last runs, dead letters").set_defaults(func=cmd_status)
    dead = sub.add_parser("dead-letters", help="list failed jobs, or replay them")
    dead.add_argument("--replay", metavar="ID|all", help="queue the entry again (all: every entry)")
    dead.set_defaults(func=cmd_dead_letters)
    export = sub.add_parser("export", help="contacts (consenting customers) or orders as CSV or JSONL")
    export.add_argument("what", choices=["contacts", "orders"])
    export.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    export.add_argument("--out", default="-")
    export.set_defaults(func=cmd_export)
    imp = sub.add_parser("import", help="backfill orders from a JSONL file of shop order JSON, or a CSV")
    imp.add_argument("what", choices=["orders"])
    imp.add_argument("file")
    imp.add_argument("--format", choices=["csv", "jsonl"])
    imp.add_argument("--platform", choices=["shopify", "woocommerce"], default="shopify", help="shape of the JSONL rows")
    imp.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
