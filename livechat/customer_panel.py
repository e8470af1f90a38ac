"""What the console shows about the visitor next to a conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Conversation, CustomerIdentity, Order, Profile, SegmentMembership, Visitor
from livechat.db.types import utcnow
from livechat.offer_report import subject_offers
from livechat.profile_state import summary

PAST_LIMIT = 20


async def customer_panel(session: AsyncSession, conv: Conversation) -> dict[str, Any]:
    visitor = await session.get(Visitor, conv.visitor_id)
    customer_id = visitor.customer_id if visitor else None
    identity = await session.get(CustomerIdentity, customer_id) if customer_id else None
    segments = list(await session.scalars(
        select(SegmentMembership.segment).where(SegmentMembership.subject_id == (customer_id or conv.visitor_id)).order_by(SegmentMembership.segment)
    ))
    orders: list[dict[str, Any]] = []
    if customer_id is not None:
        orders = [
            {"number": o.number, "status": o.status, "total_cents": o.total_cents, "currency": o.currency, "placed_at": o.placed_at.isoformat()}
            for o in await session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc()).limit(20))
        ]
    # Past conversations of this browser, and of the customer's other devices once identified.
    visitor_ids = [conv.visitor_id]
    if customer_id is not None:
        visitor_ids = list(await session.scalars(select(Visitor.id).where(Visitor.customer_id == customer_id)))
    past = await session.scalars(
        select(Conversation)
        .where(Conversation.visitor_id.in_(visitor_ids), Conversation.id != conv.id)
        .order_by(Conversation.created_at.desc())
        .limit(PAST_LIMIT)
    )
    profile = await session.get(Profile, customer_id or conv.visitor_id)
    return {
        "profile": summary(profile.state, utcnow()) if profile else None,
        "visitor_id": str(conv.visitor_id),
        "customer_id": str(customer_id) if customer_id else None,
        # verified: the shop signed the visitor's identification; else it is the visitor's own claim.
        "identity": {"email": identity.email, "name": identity.name, "phone": identity.phone,
                     "verified": bool(visitor and visitor.identity_verified)} if identity else None,
        "language": conv.language or (visitor.language if visitor else None),
        "segments": segments,
        "orders": orders,
        "past_conversations": [
            {"id": str(c.id), "state": c.state.value, "created_at": c.created_at.isoformat(), "resolution": c.resolution} for c in past
        ],
        "offers": await subject_offers(session, customer_id or conv.visitor_id),
    }
