"""A bare python-socketio relay for bench/relay.py: the socket layer's own limit (no database), and the naive durable relay.

It speaks the slice of the chat protocol the relay benchmark uses, with the same server options as
livechat/realtime/server.py (aiohttp async mode, in-memory manager, same ping and buffer settings):

- /visitor: connect with auth {"token": <conversation id>}; `message` {"client_id", "text"} is emitted
  at once to the conversation's room on /agent, then acked {"ok": true, "message": Message}.
- /agent: connect with any auth; `presence` acks {"ok": true}; `watch` {"conversation_id"} joins the room.

With --database DSN it is the naive way to meet the relay's durability rule: each message is inserted into
PostgreSQL on its own (one statement from a pool of 10 asyncpg connections, the size of livechat's pool, in autocommit,
so committed when it returns) before it is relayed and acked. No batching, no retries, no profiles.

    .venv/bin/python bench/echo_server.py --port 8099
    .venv/bin/python bench/echo_server.py --port 8099 --database postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import itertools
from datetime import UTC, datetime
from typing import Any

import asyncpg
import socketio
from aiohttp import web

POOL_SIZE = 10  # livechat's engine pool (livechat/db/engine.py)
SCHEMA = """
    CREATE TABLE IF NOT EXISTS echo_messages (
        id bigserial PRIMARY KEY, conversation_id text NOT NULL, seq integer NOT NULL, sender text NOT NULL,
        client_id text NOT NULL, text text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (conversation_id, seq)
    )
"""
INSERT = ("INSERT INTO echo_messages (conversation_id, seq, sender, client_id, text, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6)")


def create_app(database: str | None = None) -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*", max_http_buffer_size=64 * 1024, ping_interval=20, ping_timeout=20
    )
    app = web.Application()
    sio.attach(app)
    seqs: dict[str, itertools.count] = {}
    pool: list[asyncpg.Pool] = []

    async def open_pool(app: web.Application) -> None:
        pool.append(await asyncpg.create_pool(database, min_size=POOL_SIZE, max_size=POOL_SIZE))
        await pool[0].execute(SCHEMA)

    async def close_pool(app: web.Application) -> None:
        await pool[0].close()

    if database:
        app.on_startup.append(open_pool)
        app.on_cleanup.append(close_pool)

    @sio.on("connect", namespace="/visitor")
    async def visitor_connect(sid: str, environ: dict, auth: Any = None) -> None:
        conversation_id = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(conversation_id, str):
            raise socketio.exceptions.ConnectionRefusedError("token required", {"code": "unauthorized"})
        await sio.save_session(sid, {"conversation_id": conversation_id}, namespace="/visitor")

    @sio.on("message", namespace="/visitor")
    async def visitor_message(sid: str, data: dict) -> dict[str, Any]:
        conversation_id = (await sio.get_session(sid, namespace="/visitor"))["conversation_id"]
        created_at = datetime.now(UTC)
        message = {
            "conversation_id": conversation_id,
            "seq": next(seqs.setdefault(conversation_id, itertools.count(1))),
            "sender": "visitor",
            "text": data["text"],
            "payload": None,
            "client_id": data["client_id"],
            "created_at": created_at.isoformat(),
        }
        if pool:
            await pool[0].execute(INSERT, conversation_id, message["seq"], "visitor", data["client_id"], data["text"], created_at)
        # Relay first, ack second: the order the chat server uses (publish after commit, then ack).
        await sio.emit("message", message, room=f"conv:{conversation_id}", namespace="/agent")
        return {"ok": True, "message": message}

    @sio.on("connect", namespace="/agent")
    async def agent_connect(sid: str, environ: dict, auth: Any = None) -> None:
        return None

    @sio.on("presence", namespace="/agent")
    async def agent_presence(sid: str, data: Any = None) -> dict[str, Any]:
        return {"ok": True}

    @sio.on("watch", namespace="/agent")
    async def agent_watch(sid: str, data: dict) -> dict[str, Any]:
        await sio.enter_room(sid, f"conv:{data['conversation_id']}", namespace="/agent")
        return {"ok": True, "messages": []}

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="PostgreSQL DSN: commit each message there before relaying and acking it")
    args = parser.parse_args()
    web.run_app(create_app(args.database), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
