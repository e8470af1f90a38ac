"""The console's REST reads and the supervisor/admin endpoints; every route checks the Bearer token and role."""

from __future__ import annotations

import uuid

from aiohttp import web
from sqlalchemy import func, select

from livechat.agent_accounts import AgentIn, agent_to_wire, create_agent
from livechat.agent_actions import viewable
from livechat.api.agent_session import principal_of
from livechat.api.appkeys import PRESENCE, SERVICES
from livechat.api.errors import read_json
from livechat.canned import CannedIn, canned_to_wire, create_canned, delete_canned, list_canned
from livechat.customer_panel import customer_panel
from livechat.dashboard import dashboard
from livechat.db.models import Agent, Conversation, ConversationState as S
from livechat.errors import InvalidInput
from livechat.messages import message_to_wire, messages_after
from livechat.permissions import check_role
from livechat.summaries import summaries
from livechat.text_input import parse

LIST_LIMIT = 200
HISTORY_LIMIT = 2000
VIEWS = ("bot", "waiting", "mine", "offline", "all")


def _view_query(view: str, agent: Agent, is_supervisor: bool):
    query = select(Conversation)
    if view == "bot":
        return query.where(Conversation.state == S.BOT).order_by(Conversation.updated_at.desc())
    if view == "mine":
        return query.where(Conversation.state == S.ASSIGNED, Conversation.assignee_id == agent.id).order_by(Conversation.updated_at.desc())
    if view in ("waiting", "offline"):
        offline = Conversation.offline_at.is_not(None) if view == "offline" else Conversation.offline_at.is_(None)
        query = query.where(Conversation.state == S.QUEUED, offline)
        if not is_supervisor:
            query = query.where(Conversation.team.is_(None) | Conversation.team.in_(agent.teams or []))
        return query.order_by(Conversation.queued_at, Conversation.id)
    return query.order_by(Conversation.updated_at.desc())


async def list_conversations(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    view = request.query.get("view", "waiting")
    if view not in VIEWS:
        raise InvalidInput(f"view must be one of {', '.join(VIEWS)}.", fields=["view"])
    if view == "all":
        check_role(principal, supervisor=True)
    async with request.app[SERVICES].sessions() as session:
        agent = await session.get(Agent, principal.agent_id)
        convs = list(await session.scalars(_view_query(view, agent, principal.is_supervisor).limit(LIST_LIMIT)))
        return web.json_response({"conversations": await summaries(session, convs)})


async def get_conversation(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    try:
        conversation_id = uuid.UUID(request.match_info["conversation_id"])
    except ValueError:
        raise InvalidInput("Not a conversation id.", fields=["conversation_id"]) from None
    async with request.app[SERVICES].sessions() as session:
        conv = await viewable(session, principal, conversation_id)
        messages = await messages_after(session, conv.id, 0, limit=HISTORY_LIMIT)
        return web.json_response({
            "conversation": (await summaries(session, [conv]))[0],
            "messages": [message_to_wire(m) for m in messages],
            "customer": await customer_panel(session, conv),
        })


async def get_canned(request: web.Request) -> web.Response:
    await principal_of(request)
    async with request.app[SERVICES].sessions() as session:
        return web.json_response({"canned": [canned_to_wire(c) for c in await list_canned(session)]})


async def post_canned(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, supervisor=True)
    body = parse(CannedIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        row = await create_canned(tx, body)
    return web.json_response(canned_to_wire(row), status=201)


async def remove_canned(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, supervisor=True)
    try:
        canned_id = int(request.match_info["canned_id"])
    except ValueError:
        raise InvalidInput("Not a canned response id.", fields=["canned_id"]) from None
    async with request.app[SERVICES].transaction() as tx:
        await delete_canned(tx, canned_id)
    return web.Response(status=204)


async def list_agents(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, supervisor=True)
    present = await request.app[PRESENCE].present()
    async with request.app[SERVICES].sessions() as session:
        agents = list(await session.scalars(select(Agent).order_by(Agent.name)))
        loads = dict((await session.execute(
            select(Conversation.assignee_id, func.count()).where(Conversation.state == S.ASSIGNED).group_by(Conversation.assignee_id)
        )).all())
    return web.json_response({"agents": [
        agent_to_wire(a, status=present[a.id].value if a.id in present else "offline", active_chats=loads.get(a.id, 0)) for a in agents
    ]})


async def post_agent(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, admin=True)
    body = parse(AgentIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        agent = await create_agent(tx, body)
    return web.json_response(agent_to_wire(agent), status=201)


async def get_dashboard(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, supervisor=True)
    present = await request.app[PRESENCE].present()
    async with request.app[SERVICES].sessions() as session:
        return web.json_response(await dashboard(session, present))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/conversations", list_conversations)
    app.router.add_get("/api/agent/conversations/{conversation_id}", get_conversation)
    app.router.add_get("/api/agent/canned", get_canned)
    app.router.add_post("/api/agent/canned", post_canned)
    app.router.add_delete("/api/agent/canned/{canned_id}", remove_canned)
    app.router.add_get("/api/agent/agents", list_agents)
    app.router.add_post("/api/agent/agents", post_agent)
    app.router.add_get("/api/agent/dashboard", get_dashboard)
