"""The socket.io server: in memory on one node, Redis pub/sub across several."""

from __future__ import annotations

import socketio

from livechat.settings import Settings

VISITOR_NAMESPACE = "/visitor"


def create_socketio(settings: Settings) -> socketio.AsyncServer:
    manager = None
    if settings.redis_url:
        manager = socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel)
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=settings.origins_for_socketio,
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )


def visitor_room(visitor_id: object) -> str:
    return f"visitor:{visitor_id}"
