"""A customer's rights: export everything we hold about them, and erase their personal data.

A subject is a customer id, or the id of a visitor who never identified. Erasure removes personal
data (the identity row, contact emails, rating comments, the text and payload of every message in
their conversations) in the database and wipes their conversations' trackers in Rasa; behaviour stays
under pseudonymous ids, so reports keep their counts. A `customer.erased` event tells CRM sync.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import (
    Consent,
    Conversation,
    Customer,
    CustomerIdentity,
    InteractionEvent,
    Message,
    Order,
    Profile,
    SegmentMembership,
    Visitor,
)
from livechat.db.types import utcnow
from livechat.errors import NotFound
from livechat.interaction_log import record
from livechat.offer_report import subject_offers
from livechat.profile_state import summary
from livechat.transaction import Tx

log = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
PERSONAL_EVENT_KEYS = ("email", "name", "phone", "comment", "url", "title", "query")


async def _resolve(session: AsyncSession, subject_id: uuid.UUID) -> tuple[Customer | None, list[uuid.UUID]]:
    customer = await session.get(Customer, subject_id)
    if customer is not None:
        visitors = list(await session.scalars(select(Visitor.id).where(Visitor.customer_id == customer.id)))
        return customer, visitors
    visitor = await session.get(Visitor, subject_id)
    if visitor is None:
        raise NotFound("No customer or visitor with that id.", code="subject_not_found")
    if visitor.customer_id is not None:
        return await _resolve(session, visitor.customer_id)
    return None, [visitor.id]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def export_subject(session: AsyncSession, subject_id: uuid.UUID) -> dict[str, Any]:
    """Everything about a customer (or anonymous visitor) as one JSON document."""
    customer, visitor_ids = await _resolve(session, subject_id)
    identity = await session.get(CustomerIdentity, customer.id) if customer else None
    convs = list(await session.scalars(select(Conversation).where(Conversation.visitor_id.in_(visitor_ids)).order_by(Conversation.created_at)))
    messages = list(await session.scalars(
        select(Message).where(Message.conversation_id.in_([c.id for c in convs])).order_by(Message.conversation_id, Message.seq)
    )) if convs else []
    by_conv: dict[uuid.UUID, list[Message]] = {}
    for m in messages:
        by_conv.setdefault(m.conversation_id, []).append(m)
    owner_filter = [InteractionEvent.visitor_id.in_(visitor_ids)]
    if customer:
        owner_filter.append(InteractionEvent.customer_id == customer.id)
    events = list(await session.scalars(select(InteractionEvent).where(or_(*owner_filter)).order_by(InteractionEvent.id)))
    consents = list(await session.scalars(select(Consent).where(Consent.visitor_id.in_(visitor_ids)).order_by(Consent.id)))
    profile = await session.get(Profile, customer.id if customer else visitor_ids[0])
    return {
        "subject": {"customer_id": str(customer.id) if customer else None, "visitor_ids": [str(v) for v in visitor_ids]},
        "identity": {"email": identity.email, "name": identity.name, "phone": identity.phone} if identity else None,
        "external_ref": customer.external_ref if customer else None,
        "profile": summary(profile.state, utcnow()) if profile else None,
        "segments": list(await session.scalars(
            select(SegmentMembership.segment).where(SegmentMembership.subject_id == (customer.id if customer else visitor_ids[0]))
        )),
        "consents": [{"purpose": c.purpose, "granted": c.granted, "notice_version": c.notice_version, "source": c.source,
                      "at": _iso(c.created_at)} for c in consents],
        "orders": [{"number": o.number, "status": o.status, "total_cents": o.total_cents, "currency": o.currency, "placed_at": _iso(o.placed_at)}
                   for o in await session.scalars(select(Order).where(Order.customer_id == customer.id))] if customer else [],
        "conversations": [{
            "id": str(c.id), "state": c.state.value, "created_at": _iso(c.created_at), "closed_at": _iso(c.closed_at),
            "resolution": c.resolution, "rating": c.csat_rating, "rating_comment": c.csat_comment, "contact_email": c.contact_email,
            "messages": [{"seq": m.seq, "sender": m.sender_kind.value, "text": m.text, "payload": m.payload, "at": _iso(m.created_at)}
                         for m in by_conv.get(c.id, [])],
        } for c in convs],
        "events": [{"type": e.type, "at": _iso(e.occurred_at), "data": e.data} for e in events],
        "offers": await subject_offers(session, customer.id if customer else visitor_ids[0], limit=10_000),
    }


async def erase_subject(tx: Tx, subject_id: uuid.UUID) -> list[uuid.UUID]:
    """Remove a subject's personal data; returns the conversation ids whose Rasa trackers must be wiped."""
    session = tx.session
    customer, visitor_ids = await _resolve(session, subject_id)
    conv_ids = list(await session.scalars(select(Conversation.id).where(Conversation.visitor_id.in_(visitor_ids))))
    if conv_ids:
        await session.execute(
            update(Message).where(Message.conversation_id.in_(conv_ids)).values(text=ERASED_TEXT, payload=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Conversation).where(Conversation.id.in_(conv_ids)).values(contact_email=None, csat_comment=None)
            .execution_options(synchronize_session=False)
        )
    # Event data may carry what a visitor typed or browsed; keep the event, drop the values.
    owner = [InteractionEvent.visitor_id.in_(visitor_ids)] + ([InteractionEvent.customer_id == customer.id] if customer else [])
    for event in await session.scalars(select(InteractionEvent).where(or_(*owner))):
        if any(key in event.data for key in PERSONAL_EVENT_KEYS) or event.type == "bot.intent":
            event.data = {k: v for k, v in event.data.items() if k not in PERSONAL_EVENT_KEYS and k != "entities"}
    if customer is not None:
        identity = await session.get(CustomerIdentity, customer.id)
        if identity is not None:
            await session.delete(identity)
        customer.external_ref = None
    record(tx, "customer.erased", customer_id=customer.id if customer else None,
           visitor_id=None if customer else visitor_ids[0], data={"conversations": len(conv_ids)})
    tx.emit("customer.erased", customer_id=customer.id if customer else None, visitor_ids=visitor_ids, conversation_ids=conv_ids)
    return conv_ids
