"""Segment definitions over REST: list with member counts (supervisors), define or delete (admins)."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select

from livechat.api.agent_session import principal_of
from livechat.api.appkeys import SERVICES
from livechat.api.errors import read_json
from livechat.db.models import SegmentDefinition, SegmentMembership
from livechat.errors import Conflict, InvalidInput, NotFound
from livechat.permissions import check_role
from livechat.profile_state import empty, summary
from livechat.db.types import utcnow
from livechat.segment_rules import compile_rule
from livechat.segments import BUILTIN_RULES, VIP, invalidate_cache
from livechat.text_input import parse

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(min_length=1, max_length=1000)


async def list_segments(request: web.Request) -> web.Response:
    check_role(await principal_of(request), supervisor=True)
    async with request.app[SERVICES].sessions() as session:
        counts = dict((await session.execute(select(SegmentMembership.segment, func.count()).group_by(SegmentMembership.segment))).all())
        custom = {d.name: d.rule for d in await session.scalars(select(SegmentDefinition))}
    segments = [{"name": n, "rule": r, "builtin": True, "members": counts.get(n, 0)} for n, r in BUILTIN_RULES.items()]
    segments.append({"name": VIP, "rule": "top 10% of customers by lifetime value", "builtin": True, "members": counts.get(VIP, 0)})
    segments += [{"name": n, "rule": r, "builtin": False, "members": counts.get(n, 0)} for n, r in sorted(custom.items())]
    return web.json_response({"segments": segments})


def _name(request: web.Request) -> str:
    name = request.match_info["name"]
    if not NAME.match(name):
        raise InvalidInput("A segment name is lowercase letters, digits and _.", fields=["name"])
    if name in BUILTIN_RULES or name == VIP:
        raise Conflict(f"{name} is a built-in segment.", code="builtin_segment")
    return name


async def put_segment(request: web.Request) -> web.Response:
    check_role(await principal_of(request), admin=True)
    name = _name(request)
    body = parse(SegmentIn, await read_json(request))
    # Fields are checked against what a profile summary has, so a typo is an error, not an empty segment.
    compile_rule(body.rule, known_fields=summary(empty(), utcnow()).keys())
    async with request.app[SERVICES].transaction() as tx:
        definition = await tx.session.get(SegmentDefinition, name) or SegmentDefinition(name=name)
        definition.rule = body.rule
        tx.session.add(definition)
    invalidate_cache()
    return web.json_response({"name": name, "rule": body.rule}, status=200)


async def delete_segment(request: web.Request) -> web.Response:
    check_role(await principal_of(request), admin=True)
    name = _name(request)
    async with request.app[SERVICES].transaction() as tx:
        found = await tx.session.get(SegmentDefinition, name)
        if found is None:
            raise NotFound("No such segment.")
        await tx.session.delete(found)
        await tx.session.execute(delete(SegmentMembership).where(SegmentMembership.segment == name))
    invalidate_cache()
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/segments", list_segments)
    app.router.add_put("/api/agent/segments/{name}", put_segment)
    app.router.add_delete("/api/agent/segments/{name}", delete_segment)
