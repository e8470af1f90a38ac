"""Handing out offers when a trigger fires: sticky arm, caps, budget and unique codes, exact under
concurrency, then delivery as a stored, sequenced chat message (or a card for the bot / the caller).

Why it cannot over-issue, on PostgreSQL across nodes and on SQLite (one writer at a time):
- the subject's assignment row is created with INSERT .. ON CONFLICT DO NOTHING and then locked
  (SELECT .. FOR UPDATE), so two firings for one subject run one after the other and the second sees
  the first's delivery count (caps);
- the budget is spent by one conditional UPDATE (issued_count < budget_total), atomic per row;
- a pool code is claimed by an UPDATE of one free row picked with FOR UPDATE SKIP LOCKED, and
  offer_codes.delivery_id is UNIQUE.
Each attempt runs in a savepoint: when the budget or the code pool runs out, the subject is not left
half-assigned.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from livechat.conversations import latest_conversation
from livechat.db.models import Conversation, ConversationState, Profile, SegmentMembership, SenderKind, Visitor
from livechat.db.offer_models import Offer, OfferAssignment, OfferCode, OfferContact, OfferDelivery
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.messages import append_message, lock_conversation
from livechat.offer_rules import HOLDOUT, Firing, assign_arm, card, conditions_hold, delay_of, ineligible_reason, shared_code_of
from livechat.profile_state import empty, summary
from livechat.transaction import Tx

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a firing did: delivered | scheduled | holdout | capped | budget_spent | no_code | no_offer, or why the
    offer did not apply (inactive, not_started, ended, segment, consent, conditions)."""

    status: str
    offer: Offer | None = None
    arm: str | None = None
    delivery: OfferDelivery | None = None

    @property
    def card(self) -> dict | None:
        return self.delivery.card if self.delivery is not None else None


class _Abort(Exception):
    def __init__(self, status: str) -> None:
        self.status = status


@dataclass(frozen=True)
class Subject:
    id: uuid.UUID
    kind: str  # customer | visitor


async def subject_view(tx: Tx, subject: Subject) -> tuple[dict, set[str]]:
    """The subject's profile summary and segment names."""
    profile = await tx.session.get(Profile, subject.id)
    segments = set(await tx.session.scalars(select(SegmentMembership.segment).where(SegmentMembership.subject_id == subject.id)))
    return summary(profile.state if profile else empty(), utcnow()), segments


async def fire(tx: Tx, firing: Firing, subject: Subject, *, visitor_id: uuid.UUID | None, channel: str = "chat",
               offer_key: str | None = None, conversation_id: uuid.UUID | None = None, now: datetime | None = None,
               min_gap_s: float = 0) -> Outcome:
    """Try the offers on this trigger (or the one named) by priority; the first that goes out wins.

    channel: "chat" appends the card to the visitor's conversation, "bot" and "api" return it.
    min_gap_s: the shop-wide least time between two proactive ("chat") offers to one subject.
    """
    now = now or utcnow()
    query = select(Offer).where(Offer.active.is_(True)).order_by(Offer.priority.desc(), Offer.id)
    query = query.where(Offer.key == offer_key) if offer_key else query.where(Offer.trigger == firing.trigger)
    offers = list(await tx.session.scalars(query))
    if not offers:
        return Outcome("no_offer")
    view, segments = await subject_view(tx, subject)
    outcome = Outcome("ineligible")
    for offer in offers:
        reason = ineligible_reason(offer, view, segments, now) or (None if conditions_hold(offer, firing, view) else "conditions")
        if reason is not None:
            outcome = Outcome(reason, offer)
            continue
        outcome = await _attempt(tx, offer, firing, subject, visitor_id=visitor_id, channel=channel,
                                 conversation_id=conversation_id, now=now, min_gap=timedelta(seconds=min_gap_s))
        if outcome.status in ("delivered", "scheduled", "holdout"):
            return outcome
    return outcome


async def _attempt(tx: Tx, offer: Offer, firing: Firing, subject: Subject, *, visitor_id: uuid.UUID | None, channel: str,
                   conversation_id: uuid.UUID | None, now: datetime, min_gap: timedelta) -> Outcome:
    try:
        async with tx.session.begin_nested():
            return await _issue(tx, offer, firing, subject, visitor_id=visitor_id, channel=channel,
                                conversation_id=conversation_id, now=now, min_gap=min_gap)
    except _Abort as abort:
        return Outcome(abort.status, offer)


async def _assignment(tx: Tx, offer: Offer, firing: Firing, subject: Subject, now: datetime) -> tuple[OfferAssignment, bool]:
    """The subject's locked assignment, made now if it is their first firing; (row, made_now)."""
    insert = pg_insert if tx.session.bind.dialect.name == "postgresql" else sqlite_insert
    arm = assign_arm(offer.key, subject.id, offer.holdout_pct, offer.variants or [])
    made = await tx.session.execute(insert(OfferAssignment).values(
        offer_id=offer.id, subject_id=subject.id, subject_kind=subject.kind, arm=arm, trigger=firing.trigger, assigned_at=now,
        deliveries=0,
    ).on_conflict_do_nothing())
    row = await tx.session.scalar(
        select(OfferAssignment).where(OfferAssignment.offer_id == offer.id, OfferAssignment.subject_id == subject.id)
        .with_for_update().execution_options(populate_existing=True))
    return row, made.rowcount == 1


def _ids(subject: Subject, visitor_id: uuid.UUID | None) -> dict:
    if subject.kind == "customer":
        return {"customer_id": subject.id, "visitor_id": visitor_id}
    return {"visitor_id": subject.id}


async def _contact(tx: Tx, subject: Subject) -> OfferContact:
    """The subject's locked contact row (when they last got any proactive offer)."""
    insert = pg_insert if tx.session.bind.dialect.name == "postgresql" else sqlite_insert
    await tx.session.execute(insert(OfferContact).values(subject_id=subject.id, last_offered_at=None).on_conflict_do_nothing())
    return await tx.session.scalar(select(OfferContact).where(OfferContact.subject_id == subject.id)
                                   .with_for_update().execution_options(populate_existing=True))


async def _issue(tx: Tx, offer: Offer, firing: Firing, subject: Subject, *, visitor_id: uuid.UUID | None, channel: str,
                 conversation_id: uuid.UUID | None, now: datetime, min_gap: timedelta) -> Outcome:
    assignment, made_now = await _assignment(tx, offer, firing, subject, now)
    if assignment.arm == HOLDOUT:
        if made_now:
            record(tx, "offer.held_out", data={"offer": offer.key, "trigger": firing.trigger}, **_ids(subject, visitor_id))
        return Outcome("holdout", offer, HOLDOUT)
    if assignment.deliveries >= offer.max_per_customer:
        raise _Abort("capped")
    if assignment.last_delivered_at is not None and now - assignment.last_delivered_at < timedelta(seconds=offer.min_interval_s):
        raise _Abort("capped")
    if channel == "chat" and min_gap:
        # Locked after the assignment row: every issuing transaction takes them in this order.
        contact = await _contact(tx, subject)
        if contact.last_offered_at is not None and now - contact.last_offered_at < min_gap:
            raise _Abort("capped")
        contact.last_offered_at = now
    spent = await tx.session.execute(
        update(Offer).where(Offer.id == offer.id, (Offer.budget_total.is_(None)) | (Offer.issued_count < Offer.budget_total))
        .values(issued_count=Offer.issued_count + 1).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise _Abort("budget_spent")
    arm = assignment.arm
    expires_at = now + timedelta(seconds=offer.valid_for_s) if offer.valid_for_s else None
    delay = delay_of(offer, arm) if channel == "chat" else timedelta(0)
    delivery = OfferDelivery(
        offer_id=offer.id, subject_id=subject.id, arm=arm, trigger=firing.trigger, channel=channel, visitor_id=visitor_id,
        conversation_id=conversation_id, card={}, issued_at=now, due_at=now + delay if delay else None, expires_at=expires_at,
    )
    tx.session.add(delivery)
    await tx.session.flush()
    code = await _claim_code(tx, offer, delivery.id, now) if offer.code_mode == "pool" else (
        shared_code_of(offer, arm) if offer.code_mode == "shared" else None)
    delivery.code = code
    delivery.card = card(offer, arm, code=code, expires_at=expires_at)
    assignment.deliveries += 1
    assignment.last_delivered_at = now
    record(tx, "offer.delivered", conversation_id=conversation_id,
           data={"offer": offer.key, "arm": arm, "trigger": firing.trigger, "channel": channel, "delivery_id": delivery.id},
           **_ids(subject, visitor_id))
    if delay:
        return Outcome("scheduled", offer, arm, delivery)
    if channel == "chat" and visitor_id is not None:
        await deliver_in_chat(tx, delivery, now)
    else:
        delivery.delivered_at = now
    return Outcome("delivered", offer, arm, delivery)


async def _claim_code(tx: Tx, offer: Offer, delivery_id: int, now: datetime) -> str:
    free = (select(OfferCode.id).where(OfferCode.offer_id == offer.id, OfferCode.delivery_id.is_(None))
            .order_by(OfferCode.id).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    code = await tx.session.scalar(
        update(OfferCode).where(OfferCode.id == free).values(delivery_id=delivery_id, issued_at=now).returning(OfferCode.code)
        .execution_options(synchronize_session=False))
    if code is None:
        log.warning("offer %s has no unused codes left", offer.key)
        raise _Abort("no_code")
    return code


async def deliver_in_chat(tx: Tx, delivery: OfferDelivery, now: datetime) -> None:
    """Put the card in the visitor's open conversation (or a new one with the bot), stored and broadcast."""
    conv = await latest_conversation(tx.session, delivery.visitor_id)
    if conv is None or conv.state is ConversationState.CLOSED:
        visitor = await tx.session.get(Visitor, delivery.visitor_id)
        if visitor is None:
            delivery.delivered_at = now
            return
        conv = Conversation(visitor_id=visitor.id, state=ConversationState.BOT, language=visitor.language)
        tx.session.add(conv)
        await tx.session.flush()
        record(tx, "conversation.started", visitor_id=visitor.id, conversation_id=conv.id,
               data={"language": conv.language, "source": "offer"})
    conv = await lock_conversation(tx, conv.id)
    await append_message(tx, conv, SenderKind.BOT, text=delivery.card.get("text"), payload=delivery.card)
    delivery.conversation_id = conv.id
    delivery.delivered_at = now


async def visitor_of(tx: Tx, subject: Subject) -> uuid.UUID | None:
    """Where to reach a subject in chat: the visitor itself, or the customer's most recently seen browser."""
    if subject.kind == "visitor":
        return subject.id
    return await tx.session.scalar(
        select(Visitor.id).where(Visitor.customer_id == subject.id).order_by(Visitor.last_seen_at.desc()).limit(1))


async def subject_of_visitor(tx: Tx, visitor_id: uuid.UUID) -> Subject | None:
    visitor = await tx.session.get(Visitor, visitor_id)
    if visitor is None:
        return None
    return Subject(visitor.customer_id, "customer") if visitor.customer_id else Subject(visitor.id, "visitor")
