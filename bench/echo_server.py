"""A bare python-socketio relay for bench/relay.py: the socket layer's own limit (no database), and the minimal durable relay (group commit).

It speaks the slice of the chat protocol the relay benchmark uses, with the same server options as
livechat/realtime/server.py (aiohttp async mode, in-memory manager, same ping and buffer settings) on the
same event loop as `livechat serve` (uvloop's):

- /visitor: connect with auth {"token": <conversation id>}; `message` {"client_id", "text"} is emitted
  at once to the conversation's room on /agent, then acked {"ok": true, "message": Message}.
- /agent: connect with any auth; `presence` acks {"ok": true}; `watch` {"conversation_id"} joins the room.

With --database DSN it is the minimal durable relay: each message is committed to PostgreSQL before it
is relayed and acked, with group commit as livechat's message writer does it (livechat/message_writer.py).
The messages that arrive while a batch is being written are inserted together as the next, one autocommit
statement per batch; each is relayed and acked once its batch returns. No sequence locks, no retries, no
events, no profiles: what remains of livechat's cost against this one is its own work per message.

    .venv/bin/python bench/echo_server.py --port 8099
    .venv/bin/python bench/echo_server.py --port 8099 --database postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

import asyncpg
import socketio
import uvloop
from aiohttp import web

SCHEMA = """
    CREATE TABLE IF NOT EXISTS echo_messages (
        id bigserial PRIMARY KEY, conversation_id text NOT NULL, seq integer NOT NULL, sender text NOT NULL,
        client_id text NOT NULL, text text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (conversation_id, seq)
    )
"""
# A batch in one statement, array parameters (livechat's writer, too, writes a batch in one statement).
INSERT_BATCH = ("INSERT INTO echo_messages (conversation_id, seq, sender, client_id, text, created_at) "
                "SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])")
Row = tuple[str, int, str, str, str, datetime]


class GroupCommit:
    """Commits rows in batches: what arrives while one batch is written goes in the next."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: asyncpg.Connection | None = None
        self._pending: list[tuple[Row, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.execute(SCHEMA)
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def commit(self, row: Row) -> None:
        """Return once the row is committed."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._connection.execute(INSERT_BATCH, *(list(column) for column in zip(*(row for row, _ in batch))))
                except Exception as exc:  # noqa: BLE001 - every waiting message gets the failure
                    for _, future in batch:
                        future.set_exception(exc)
                    continue
                for _, future in batch:
                    future.set_result(None)


def create_app(database: str | None = None) -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*", max_http_buffer_size=64 * 1024, ping_interval=20, ping_timeout=20
    )
    app = web.Application()
    sio.attach(app)
    seqs: dict[str, itertools.count] = {}
    store = GroupCommit(database) if database else None

    if store is not None:
        app.on_startup.append(lambda app: store.open())
        app.on_cleanup.append(lambda app: store.close())

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
        if store is not None:
            await store.commit((conversation_id, message["seq"], "visitor", data["client_id"], data["text"], created_at))
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
    parser.add_argument("--database", help="PostgreSQL DSN: commit each message there (group commit) before relaying and acking it")
    parser.add_argument("--asyncio-loop", action="store_true", help="asyncio's own event loop instead of uvloop's, which livechat serves on")
    args = parser.parse_args()
    loop = asyncio.new_event_loop() if args.asyncio_loop else uvloop.new_event_loop()
    web.run_app(create_app(args.database), host=args.host, port=args.port, print=None, access_log=None, loop=loop)


if __name__ == "__main__":
    main()
