"""A bare python-socketio relay, no database: the socket layer's own limit for bench/relay.py.

It speaks the slice of the chat protocol the relay benchmark uses, with the same server options as
livechat/realtime/server.py (aiohttp async mode, in-memory manager, same ping and buffer settings):

- /visitor: connect with auth {"token": <conversation id>}; `message` {"client_id", "text"} is emitted
  at once to the conversation's room on /agent, then acked {"ok": true, "message": Message}.
- /agent: connect with any auth; `presence` acks {"ok": true}; `watch` {"conversation_id"} joins the room.

    .venv/bin/python bench/echo_server.py --port 8099
"""

from __future__ import annotations

import argparse
import itertools
from datetime import UTC, datetime
from typing import Any

import socketio
from aiohttp import web


def create_app() -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*", max_http_buffer_size=64 * 1024, ping_interval=20, ping_timeout=20
    )
    app = web.Application()
    sio.attach(app)
    seqs: dict[str, itertools.count] = {}

    @sio.on("connect", namespace="/visitor")
    async def visitor_connect(sid: str, environ: dict, auth: Any = None) -> None:
        conversation_id = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(conversation_id, str):
            raise socketio.exceptions.ConnectionRefusedError("token required", {"code": "unauthorized"})
        await sio.save_session(sid, {"conversation_id": conversation_id}, namespace="/visitor")

    @sio.on("message", namespace="/visitor")
    async def visitor_message(sid: str, data: dict) -> dict[str, Any]:
        conversation_id = (await sio.get_session(sid, namespace="/visitor"))["conversation_id"]
        message = {
            "conversation_id": conversation_id,
            "seq": next(seqs.setdefault(conversation_id, itertools.count(1))),
            "sender": "visitor",
            "text": data["text"],
            "payload": None,
            "client_id": data["client_id"],
            "created_at": datetime.now(UTC).isoformat(),
        }
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
    args = parser.parse_args()
    web.run_app(create_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
