"""Agent login, token refresh and logout over REST; the refresh token also travels in an HttpOnly cookie."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from livechat import agent_auth
from livechat.agent_accounts import agent_to_wire
from livechat.agent_auth import Principal, Tokens
from livechat.api.appkeys import PRESENCE, RATE_LIMITER, SERVICES
from livechat.api.errors import read_json
from livechat.db.models import Agent
from livechat.errors import Unauthorized
from livechat.rate_limit import enforce
from livechat.text_input import parse

REFRESH_COOKIE = "livechat_refresh"
COOKIE_PATH = "/api/agent"
IP_LIMIT_FACTOR = 4


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    refresh_token: str | None = Field(None, max_length=200)


async def principal_of(request: web.Request) -> Principal:
    """The agent behind the request's Bearer token; Unauthorized when missing, forged, expired or logged out."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Log in first (Authorization: Bearer <access token>).")
    services = request.app[SERVICES]
    async with services.sessions() as session:
        return await agent_auth.authenticate(session, token.strip(), key=services.settings.signing_key)


def _secure(request: web.Request) -> bool:
    public = request.app[SERVICES].settings.public_url or ""
    return request.secure or public.startswith("https://")


async def _tokens_response(request: web.Request, tokens: Tokens) -> web.Response:
    settings = request.app[SERVICES].settings
    status = (await request.app[PRESENCE].present()).get(tokens.agent.id)
    response = web.json_response({
        "access_token": tokens.access_token,
        "expires_in": settings.agent_access_ttl_s,
        "refresh_token": tokens.refresh_token,
        "agent": agent_to_wire(tokens.agent, status=status.value if status else "offline"),
    })
    response.set_cookie(
        REFRESH_COOKIE, tokens.refresh_token, max_age=settings.agent_refresh_ttl_s, path=COOKIE_PATH,
        httponly=True, samesite="Strict", secure=_secure(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def login(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    body = parse(LoginIn, await read_json(request))
    limiter = request.app[RATE_LIMITER]
    limit, window = settings.login_max_attempts, settings.login_window_s
    await enforce(limiter, f"login:ip:{request.remote}", limit=limit * IP_LIMIT_FACTOR, window_s=window, what="login attempts")
    await enforce(limiter, f"login:email:{body.email.strip().lower()}", limit=limit, window_s=window, what="login attempts")
    async with services.transaction() as tx:
        tokens = await agent_auth.login(
            tx, body.email, body.password, key=settings.signing_key,
            access_ttl_s=settings.agent_access_ttl_s, refresh_ttl_s=settings.agent_refresh_ttl_s,
        )
    return await _tokens_response(request, tokens)


async def refresh(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    body = parse(RefreshIn, await read_json(request))
    token = body.refresh_token or request.cookies.get(REFRESH_COOKIE)
    await enforce(request.app[RATE_LIMITER], f"refresh:ip:{request.remote}", limit=120, window_s=60, what="refreshes")
    async with services.transaction() as tx:
        tokens = await agent_auth.refresh(
            tx, token, key=settings.signing_key, access_ttl_s=settings.agent_access_ttl_s, refresh_ttl_s=settings.agent_refresh_ttl_s,
        )
    return await _tokens_response(request, tokens)


async def logout(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    async with request.app[SERVICES].transaction() as tx:
        await agent_auth.logout(tx, principal)
    response = web.Response(status=204)
    response.del_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    return response


async def me(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    async with request.app[SERVICES].sessions() as session:
        agent = await session.get(Agent, principal.agent_id)
    status = (await request.app[PRESENCE].present()).get(principal.agent_id)
    return web.json_response(agent_to_wire(agent, status=status.value if status else "offline"))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/agent/login", login)
    app.router.add_post("/api/agent/refresh", refresh)
    app.router.add_post("/api/agent/logout", logout)
    app.router.add_get("/api/agent/me", me)
