"""The socket.io server: in memory on one node, Redis pub/sub across several; and its room names."""

from __future__ import annotations

import socketio

from livechat.realtime.emitting import InlineEmit, RedisInlineEmit
from livechat.realtime.wire import Packet, SafeJson
from livechat.settings import Settings

VISITOR_NAMESPACE = "/visitor"
AGENT_NAMESPACE = "/agent"
# Rooms of the agent namespace.
ALL_AGENTS = "agents"  # every agent who is not a supervisor
SUPERVISORS = "supervisors"


def create_socketio(settings: Settings) -> socketio.AsyncServer:
    if settings.redis_url:
        manager = RedisInlineEmit(settings.redis_url, channel=settings.redis_channel, json=SafeJson)
    else:
        manager = InlineEmit()
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=settings.origins_for_socketio,
        max_http_buffer_size=64 * 1024,
        json=SafeJson,
        serializer=Packet,
        ping_interval=20,
        ping_timeout=20,
    )


def visitor_room(visitor_id: object) -> str:
    return f"visitor:{visitor_id}"


def agent_room(agent_id: object) -> str:
    return f"agent:{agent_id}"


def team_room(team: str) -> str:
    return f"team:{team}"


def conversation_room(conversation_id: object) -> str:
    return f"conv:{conversation_id}"


def session_room(session_id: object) -> str:
    return f"session:{session_id}"


def client_ip(environ: dict) -> str:
    """The peer address of a socket.io connection (engine.io's own REMOTE_ADDR is a fixed placeholder under aiohttp)."""
    request = environ.get("aiohttp.request")
    return (request.remote if request is not None else None) or "unknown"
