"""The `livechat` command: serve, database migrations, demo data, and `up` for the whole stack."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import sys
from pathlib import Path

from pydantic import SecretStr, ValidationError

from livechat.settings import Settings

log = logging.getLogger("livechat")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None))) if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        sys.exit(f"livechat: invalid settings:\n{exc}")


def cmd_serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    from livechat.app import create_app
    from livechat.logging_setup import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(_require_current_schema(settings))
    app = create_app(settings)
    app.on_startup.append(_tune_gc)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None, loop=_event_loop())


async def _tune_gc(_app) -> None:
    """Once started: the objects built so far (modules, models, the app) are moved out of the collector's
    reach, and young collections come every 20,000 allocations instead of 700. Under load the collections
    of the older generations walked all of them, pausing every socket at once (the relay benchmark's p99
    at 64 pairs: ~100-150 ms before, ~55-70 ms after)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop: the server is mostly sockets, tasks and futures, which it runs several times faster."""
    import uvloop

    return uvloop.new_event_loop()


async def _require_current_schema(settings: Settings) -> None:
    """Refuse to serve an old schema: the error says which command fixes it."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from livechat.db.engine import create_engine
    from livechat.db.migrate import current_head

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except SQLAlchemyError:
        version = None
    finally:
        await engine.dispose()
    if version != current_head():
        sys.exit(f"livechat: the database at {settings.database_url} is not migrated (at {version}, need {current_head()}); run `livechat db upgrade`.")


def cmd_db(args: argparse.Namespace) -> None:
    from livechat.db import migrate

    settings = _settings(args)
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url, args.revision or "head")
    else:
        migrate.downgrade(settings.database_url, args.revision or "-1")
    print(f"database {args.action}d: {settings.database_url}")


def _with_database(settings: Settings, work):
    """Run `await work(sessions)` against the configured database, then close it; a LivechatError
    ends the command with its message."""
    from livechat.db.engine import create_engine, create_session_factory
    from livechat.errors import LivechatError

    async def run():
        engine = create_engine(settings.database_url)
        try:
            return await work(create_session_factory(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except LivechatError as exc:
        sys.exit(f"livechat: {exc.message}")


def _transactions(sessions):
    """A transaction factory for operations that open their own (nobody listens to events in the CLI)."""
    from livechat.transaction import EventBus, transaction

    return lambda: transaction(sessions, EventBus())


def cmd_seed_demo(args: argparse.Namespace) -> None:
    from livechat.demo.seed import DEMO_AGENTS, DEMO_CUSTOMER, seed_demo, seed_demo_agents, seed_demo_customer

    async def seed(sessions) -> None:
        async with sessions() as session, session.begin():
            await seed_demo(session)
            await seed_demo_customer(session)
            await seed_demo_agents(session)

    _with_database(_settings(args), seed)
    print(f"demo shop seeded: 6 products, orders 1001-1004 placed by {DEMO_CUSTOMER[2]} ({DEMO_CUSTOMER[1]})")
    print("demo console logins: " + ", ".join(f"{email} / {password} ({role})" for email, _n, password, role, *_ in DEMO_AGENTS))


def cmd_create_agent(args: argparse.Namespace) -> None:
    import getpass

    from pydantic import ValidationError as PydanticError

    from livechat.agent_accounts import AgentIn, create_agent

    settings = _settings(args)
    password = args.password or os.environ.get("LIVECHAT_NEW_AGENT_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            sys.exit("livechat: give --password or LIVECHAT_NEW_AGENT_PASSWORD when not on a terminal.")
        password = getpass.getpass("Password for the new agent: ")
        if password != getpass.getpass("Again: "):
            sys.exit("livechat: the passwords differ.")
    try:
        data = AgentIn(
            email=args.email, name=args.name, password=password, role=args.role,
            teams=_csv(args.teams), languages=_csv(args.languages), max_chats=args.max_chats,
        )
    except PydanticError as exc:
        sys.exit("livechat: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))

    async def create(sessions) -> str:
        async with _transactions(sessions)() as tx:
            agent = await create_agent(tx, data)
        return str(agent.id)

    agent_id = _with_database(settings, create)
    print(f"created {data.role.value} {data.email} ({agent_id})")


def cmd_segments(args: argparse.Namespace) -> None:
    """Re-evaluate every profile's segments now (time-based rules and VIP)."""
    from livechat.segments import refresh_all

    count = _with_database(_settings(args), lambda sessions: refresh_all(_transactions(sessions)))
    print(f"segments re-evaluated for {count} profiles")


def cmd_profiles(args: argparse.Namespace) -> None:
    """Recompute every profile from the interaction log (after a change to how events are folded)."""
    import time

    from livechat.profile_store import rebuild

    async def run(sessions) -> int:
        async with sessions() as session, session.begin():
            return await rebuild(session)

    started = time.monotonic()
    count = _with_database(_settings(args), run)
    print(f"rebuilt {count} profiles from the interaction log in {time.monotonic() - started:.1f} s")


def cmd_customer(args: argparse.Namespace) -> None:
    """Export a customer's data as JSON, or erase their personal data (database and Rasa trackers)."""
    import json
    import uuid

    import aiohttp

    from bot.client import RasaClient
    from livechat.api.customer_rights import wipe_trackers
    from livechat.customer_rights import erase_subject, export_subject
    settings = _settings(args)
    try:
        subject = uuid.UUID(args.subject_id)
    except ValueError:
        sys.exit(f"livechat: {args.subject_id!r} is not a customer or visitor id.")

    async def run(sessions) -> None:
        if args.action == "export":
            async with sessions() as session:
                print(json.dumps(await export_subject(session, subject), indent=2, ensure_ascii=False))
            return
        async with _transactions(sessions)() as tx:
            conversation_ids = await erase_subject(tx, subject)
        async with aiohttp.ClientSession() as http:
            rasa = RasaClient(http, settings.rasa_url, timeout_s=settings.rasa_timeout_s,
                              token=settings.rasa_token.get_secret_value() if settings.rasa_token else None)
            failed = await wipe_trackers(rasa, conversation_ids)
        print(f"erased personal data of {subject} ({len(conversation_ids)} conversations)")
        if failed:
            sys.exit(f"livechat: Rasa at {settings.rasa_url} did not answer; run this again to wipe the trackers of "
                     + ", ".join(map(str, failed)))

    _with_database(settings, run)


def cmd_retention(args: argparse.Namespace) -> None:
    from livechat.retention import anonymize_older_than

    settings = _settings(args)
    days = args.days or settings.retention_days
    if not days:
        sys.exit("livechat: give --days or set LIVECHAT_RETENTION_DAYS.")

    count = _with_database(settings, lambda sessions: anonymize_older_than(_transactions(sessions), days))
    print(f"anonymized {count} closed conversations older than {days} days")


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def cmd_up(args: argparse.Namespace) -> None:
    """Action server, Rasa and the chat server together, until Ctrl-C."""
    from aiohttp import web

    from livechat import stack
    from livechat.app import create_app
    from livechat.logging_setup import configure_logging

    settings = _settings(args)
    if settings.bot_api_token is None:
        # The action server and this process share a fresh token; nothing outside knows it.
        settings = settings.model_copy(update={"bot_api_token": SecretStr(secrets.token_urlsafe(32))})
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(_require_current_schema(settings))
    model = Path(args.model) if args.model else stack.latest_model()
    if model is None or not model.exists():
        sys.exit("livechat: no trained Rasa model; train one with `rasa train` in bot/ (scripts/up does it).")
    log_dir = Path(settings.data_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    rasa_port = int(settings.rasa_url.rsplit(":", 1)[1].split("/")[0])
    rasa_stack = stack.RasaStack(
        rasa_bin=Path(args.rasa_bin), model=model, api_url=f"http://127.0.0.1:{settings.port}",
        bot_api_token=settings.bot_api_token.get_secret_value(), rasa_port=rasa_port, log_dir=log_dir,
    )

    async def run() -> None:
        actions = stack.start_action_server(rasa_stack)
        rasa = stack.start_rasa_server(rasa_stack)
        runner = web.AppRunner(create_app(settings), access_log=None)
        try:
            await runner.setup()
            await web.TCPSite(runner, settings.host, settings.port).start()
            base = settings.public_url or f"http://{settings.host}:{settings.port}"
            print(f"\n  Chat server     {base}\n  Demo shop       {base}/demo\n  Agent console   {base}/console\n  Health          {base}/health\n"
                  f"  Logs            {log_dir}/\n\n  Loading the bot (about 30 s)...", flush=True)
            await stack.wait_for_rasa(rasa_stack.rasa_url, process=rasa)
            print(f"  Bot ready ({model.name}). Open {base}/demo and ask: where is my order 1002?\n  Ctrl-C stops everything.", flush=True)
            stopped = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stopped.set)
            while not stopped.is_set():
                for name, proc in (("Rasa", rasa), ("action server", actions)):
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} stopped (exit {proc.returncode}); see {log_dir}/")
                try:
                    await asyncio.wait_for(stopped.wait(), timeout=2)
                except TimeoutError:
                    pass
        finally:
            await runner.cleanup()
            stack.stop(rasa)
            stack.stop(actions)

    try:
        asyncio.run(run())
    except RuntimeError as exc:
        sys.exit(f"livechat: {exc}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livechat", description="Live chat and Rasa bot backend for online shops.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the chat server (Rasa runs separately)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="target revision (upgrade: head, downgrade: -1)")
    db.set_defaults(func=cmd_db)

    seed = sub.add_parser("seed-demo", help="load the demo shop's products and orders")
    seed.set_defaults(func=cmd_seed_demo)

    agent = sub.add_parser("create-agent", help="create an agent, supervisor or admin account for the console")
    agent.add_argument("--email", required=True)
    agent.add_argument("--name", required=True)
    agent.add_argument("--role", choices=["agent", "supervisor", "admin"], default="agent")
    agent.add_argument("--teams", help="comma-separated teams, e.g. support,sales")
    agent.add_argument("--languages", help="comma-separated languages the agent chats in, e.g. en,pl")
    agent.add_argument("--max-chats", type=int, default=5, help="chats at once (default 5)")
    agent.add_argument("--password", help="better: LIVECHAT_NEW_AGENT_PASSWORD or the prompt, which stay out of shell history")
    agent.set_defaults(func=cmd_create_agent)

    profiles = sub.add_parser("profiles", help="customer profiles")
    profiles.add_argument("action", choices=["rebuild"])
    profiles.set_defaults(func=cmd_profiles)

    customer = sub.add_parser("customer", help="a customer's rights: export their data, or erase their personal data")
    customer.add_argument("action", choices=["export", "erase"])
    customer.add_argument("subject_id", help="customer id, or the visitor id of someone who never identified")
    customer.set_defaults(func=cmd_customer)

    retention = sub.add_parser("retention", help="anonymize closed conversations older than the retention age now")
    retention.add_argument("action", choices=["run"])
    retention.add_argument("--days", type=int, help="default: LIVECHAT_RETENTION_DAYS")
    retention.set_defaults(func=cmd_retention)

    segments = sub.add_parser("segments", help="re-evaluate every profile's segments (the server does it hourly)")
    segments.add_argument("action", choices=["refresh"])
    segments.set_defaults(func=cmd_segments)

    up = sub.add_parser("up", help="run the action server, Rasa and the chat server together")
    up.add_argument("--rasa-bin", required=True, help="the rasa executable of the Rasa 3.6 environment")
    up.add_argument("--model", help="trained model (default: newest in bot/models)")
    up.add_argument("--host")
    up.add_argument("--port", type=int)
    up.set_defaults(func=cmd_up)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
