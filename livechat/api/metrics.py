"""GET /metrics: Prometheus exposition of this node; behind a bearer token when LIVECHAT_METRICS_TOKEN is set."""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from livechat.api.appkeys import SERVICES
from livechat.errors import Unauthorized


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    token = services.settings.metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise Unauthorized("The metrics need the configured bearer token.", code="metrics_token_required")
    body = await services.metrics.render(services.sio, services.sessions)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics)
