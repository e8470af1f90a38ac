"""Map errors to JSON responses once, for every route: clear codes, never a stack trace."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from livechat.api.appkeys import SERVICES
from livechat.errors import InvalidInput, LivechatError

log = logging.getLogger(__name__)


def error_response(code: str, message: str, status: int, **data: object) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, **data}}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except LivechatError as exc:
        request.app[SERVICES].metrics.error("rest", exc.code)
        return web.json_response({"error": exc.to_dict()}, status=exc.status)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        return error_response(exc.reason.lower().replace(" ", "_"), exc.reason, exc.status)
    except Exception:  # noqa: BLE001 - log the trace, answer without it
        log.exception("unhandled error on %s %s", request.method, request.path)
        request.app[SERVICES].metrics.error("rest", "internal_error")
        return error_response("internal_error", "Something went wrong on our side.", 500)


async def read_json(request: web.Request) -> object:
    if not request.can_read_body:
        return {}
    try:
        return await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("The request body is not valid JSON.") from None
