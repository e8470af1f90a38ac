"""GET /health: the database, Redis and Rasa, each ok or not."""

from __future__ import annotations

import asyncio

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
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            rasa_ready = await request.app[RASA].is_ready()
    except TimeoutError:
        rasa_ready = False
    checks["rasa"] = "ok" if rasa_ready else "unavailable"
    healthy = checks["database"] == "ok" and checks["redis"] in ("ok", "not configured")
    return web.json_response({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
