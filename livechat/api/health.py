"""GET /health: the database, Redis and Rasa, each ok or not."""

from __future__ import annotations

import asyncio

import socketio
from aiohttp import web
from sqlalchemy import text

from livechat.api.appkeys import SERVICES, RASA, REDIS

CHECK_TIMEOUT_S = 2.0


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            async with services.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    redis = request.app.get(REDIS)
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    listener = _redis_listener(services.sio)
    if listener is not None:
        checks["redis_listener"] = listener
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            rasa_ready = await request.app[RASA].is_ready()
    except TimeoutError:
        rasa_ready = False
    checks["rasa"] = "ok" if rasa_ready else "unavailable"
    healthy = checks["database"] == "ok" and checks["redis"] in ("ok", "not configured") and checks.get("redis_listener", "ok") == "ok"
    return web.json_response({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _redis_listener(sio) -> str | None:
    """python-socketio's Redis manager listens in a background task that can end without a word (then
    this node no longer hears the others); None on a single node."""
    manager = sio.manager
    if not isinstance(manager, socketio.AsyncRedisManager):
        return None
    task = getattr(manager, "thread", None)
    if task is None:
        return "not started"
    return "dead" if task.done() else "ok"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
