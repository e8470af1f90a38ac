"""POST /api/visitor/session: a signed token for a new or returning visitor."""

from __future__ import annotations

from aiohttp import web

from livechat.api.appkeys import RATE_LIMITER, SERVICES
from livechat.api.errors import read_json
from livechat.rate_limit import enforce
from livechat.text_input import parse
from livechat.visitors import SessionIn, start_session


async def create_session(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    await enforce(request.app[RATE_LIMITER], f"visitor-session:ip:{request.remote}", limit=services.settings.visitor_sessions_per_ip_per_min,
                  window_s=60, what="new chat sessions from your address")
    body = parse(SessionIn, await read_json(request))
    async with services.transaction() as tx:
        session = await start_session(tx, body, services.settings)
    return web.json_response(
        {"visitor_token": session.token, "visitor_id": str(session.visitor_id), "expires_at": session.expires_at.isoformat()}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/visitor/session", create_session)
