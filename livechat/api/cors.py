"""CORS for the visitor API, which the widget calls from shop pages on other origins."""

from __future__ import annotations

from aiohttp import web

from livechat.settings import Settings

CORS_PATH_PREFIX = "/api/visitor/"


def cors_middleware(settings: Settings):
    allow_any = "*" in settings.allowed_origins
    allowed = frozenset(settings.allowed_origins)

    def origin_ok(origin: str) -> bool:
        return allow_any or origin in allowed

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if not request.path.startswith(CORS_PATH_PREFIX) or origin is None:
            return await handler(request)
        if not origin_ok(origin):
            return web.json_response(
                {"error": {"code": "origin_not_allowed", "message": "This site may not use the chat."}}, status=403
            )
        if request.method == "OPTIONS":
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await handler(request)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        return response

    return middleware
