"""Profiles over REST (agents): the summary and segments of a customer or visitor, and their event log."""

from __future__ import annotations

import re
import uuid

from aiohttp import web
from sqlalchemy import or_, select

from livechat.api.agent_session import principal_of
from livechat.api.appkeys import SERVICES
from livechat.db.models import InteractionEvent, Profile, SegmentMembership, Visitor
from livechat.db.types import utcnow
from livechat.errors import InvalidInput, NotFound
from livechat.profile_state import summary

MAX_EVENTS = 500


def _subject(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["subject_id"])
    except ValueError:
        raise InvalidInput("Not a customer or visitor id.", fields=["subject_id"]) from None


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number.", fields=[name]) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}.", fields=[name])
    return value


async def get_profile(request: web.Request) -> web.Response:
    await principal_of(request)
    subject = _subject(request)
    async with request.app[SERVICES].sessions() as session:
        profile = await session.get(Profile, subject)
        if profile is None:
            visitor = await session.get(Visitor, subject)
            if visitor is not None and visitor.customer_id is not None:
                profile = await session.get(Profile, visitor.customer_id)
        if profile is None:
            raise NotFound("No profile for that id.", code="profile_not_found")
        segments = list(await session.scalars(
            select(SegmentMembership.segment).where(SegmentMembership.subject_id == profile.subject_id).order_by(SegmentMembership.segment)))
    return web.json_response({
        "subject_id": str(profile.subject_id), "kind": profile.subject_kind,
        "summary": summary(profile.state, utcnow()), "segments": segments, "updated_at": profile.updated_at.isoformat(),
    })


MAX_PAGE = 200
SEGMENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


async def list_profiles(request: web.Request) -> web.Response:
    """Profiles in subject-id order, optionally only a segment's members; `after` continues a page."""
    await principal_of(request)
    limit = _int(request, "limit", 50, 1, MAX_PAGE)
    segment = request.query.get("segment")
    if segment is not None and not SEGMENT_NAME.match(segment):
        raise InvalidInput("Not a segment name.", fields=["segment"])
    after: uuid.UUID | None = None
    if request.query.get("after"):
        try:
            after = uuid.UUID(request.query["after"])
        except ValueError:
            raise InvalidInput("after must be a profile id from the previous page.", fields=["after"]) from None
    query = select(Profile).order_by(Profile.subject_id).limit(limit)
    if segment is not None:
        query = query.join(SegmentMembership, (SegmentMembership.subject_id == Profile.subject_id) & (SegmentMembership.segment == segment))
    if after is not None:
        query = query.where(Profile.subject_id > after)
    now = utcnow()
    async with request.app[SERVICES].sessions() as session:
        profiles = list(await session.scalars(query))
        memberships: dict[uuid.UUID, list[str]] = {}
        for subject_id, name in (await session.execute(
            select(SegmentMembership.subject_id, SegmentMembership.segment)
            .where(SegmentMembership.subject_id.in_([p.subject_id for p in profiles])).order_by(SegmentMembership.segment)
        )).all():
            memberships.setdefault(subject_id, []).append(name)
    rows = []
    for profile in profiles:
        view = summary(profile.state, now)
        rows.append({
            "subject_id": str(profile.subject_id), "kind": profile.subject_kind, "segments": memberships.get(profile.subject_id, []),
            **{key: view[key] for key in ("last_seen", "visits", "conversations", "orders", "lifetime_value_cents", "rfm", "preferred_language")},
        })
    return web.json_response({"profiles": rows, "next_after": rows[-1]["subject_id"] if len(rows) == limit else None})


async def get_events(request: web.Request) -> web.Response:
    await principal_of(request)
    subject = _subject(request)
    limit = _int(request, "limit", 100, 1, MAX_EVENTS)
    before = _int(request, "before_id", 2**62, 1, 2**62)
    async with request.app[SERVICES].sessions() as session:
        visitors = list(await session.scalars(select(Visitor.id).where(or_(Visitor.id == subject, Visitor.customer_id == subject))))
        owner = or_(InteractionEvent.customer_id == subject, InteractionEvent.visitor_id.in_(visitors or [subject]))
        events = list(await session.scalars(
            select(InteractionEvent).where(owner, InteractionEvent.id < before).order_by(InteractionEvent.id.desc()).limit(limit)))
    return web.json_response({"events": [
        {"id": e.id, "type": e.type, "occurred_at": e.occurred_at.isoformat(), "conversation_id": str(e.conversation_id) if e.conversation_id else None,
         "data": e.data} for e in events
    ], "next_before_id": events[-1].id if len(events) == limit else None})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/profiles", list_profiles)
    app.router.add_get("/api/agent/profiles/{subject_id}", get_profile)
    app.router.add_get("/api/agent/profiles/{subject_id}/events", get_events)
