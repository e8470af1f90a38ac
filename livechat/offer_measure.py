"""What happened after an offer went out, from the committed interaction events: impressions and clicks
(the widget's track.offer_shown / track.offer_clicked), acceptances (track.offer_accepted, e.g. the
shop applied the code to the cart), redemptions (an order.placed carrying the delivered code) and
conversions (the first order of an assigned subject, treated or held out, within the attribution window).

Every change is one conditional UPDATE, so replays and two nodes seeing related events stay exact.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from livechat.db.offer_models import Offer, OfferAssignment, OfferCartWatch, OfferContact, OfferDelivery
from livechat.transaction import Tx

TRACKED = {"track.offer_shown": "shown_at", "track.offer_clicked": "clicked_at", "track.offer_accepted": "accepted_at"}


def relevant(event: dict[str, Any]) -> bool:
    return event["type"] in TRACKED or event["type"] in ("order.placed", "visitor.identified")


async def apply(tx: Tx, events: list[dict[str, Any]], *, attribution: timedelta) -> None:
    """Fold the measurement-relevant events of one committed transaction into deliveries and assignments."""
    for event in events:
        kind = event["type"]
        if kind == "visitor.identified" and event.get("visitor_id") and event.get("customer_id"):
            await adopt_visitor(tx, event["visitor_id"], event["customer_id"])
        elif kind in TRACKED:
            await _mark(tx, event, TRACKED[kind])
        elif kind == "order.placed":
            await _order(tx, event, attribution)


async def _mark(tx: Tx, event: dict[str, Any], column: str) -> None:
    key = (event.get("data") or {}).get("offer_id")
    if not isinstance(key, str):
        return
    latest = (select(OfferDelivery.id).join(Offer, Offer.id == OfferDelivery.offer_id)
              .where(Offer.key == key, OfferDelivery.subject_id == event["subject_id"], getattr(OfferDelivery, column).is_(None))
              .order_by(OfferDelivery.id.desc()).limit(1).scalar_subquery())
    await tx.session.execute(update(OfferDelivery).where(OfferDelivery.id == latest).values({column: event["occurred_at"]})
                             .execution_options(synchronize_session=False))


async def _order(tx: Tx, event: dict[str, Any], attribution: timedelta) -> None:
    data = event.get("data") or {}
    subject_id: uuid.UUID = event["subject_id"]
    at: datetime = event["occurred_at"]
    order_id = str(data.get("order_id") or "")[:64] or None
    revenue = int(data.get("total_cents") or 0)
    # An order closes the cart: it is no longer abandoned.
    await tx.session.execute(delete(OfferCartWatch).where(OfferCartWatch.subject_id == subject_id))
    await tx.session.execute(
        update(OfferAssignment)
        .where(OfferAssignment.subject_id == subject_id, OfferAssignment.converted_at.is_(None),
               OfferAssignment.assigned_at <= at, OfferAssignment.assigned_at > at - attribution)
        .values(converted_at=at, conversion_order=order_id, conversion_revenue_cents=revenue)
        .execution_options(synchronize_session=False))
    codes = [str(c)[:64] for c in data.get("discount_codes") or [] if isinstance(c, str | int)]
    if not codes:
        return
    # A pool code is the customer's alone wherever it is used; a shared code counts for whoever got it.
    pool = select(Offer.id).where(Offer.code_mode == "pool")
    await tx.session.execute(
        update(OfferDelivery)
        .where(OfferDelivery.code.in_(codes), OfferDelivery.redeemed_at.is_(None), OfferDelivery.issued_at <= at,
               (OfferDelivery.subject_id == subject_id) | OfferDelivery.offer_id.in_(pool))
        .values(redeemed_at=at, order_id=order_id, revenue_cents=revenue)
        .execution_options(synchronize_session=False))


async def adopt_visitor(tx: Tx, visitor_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """An identified visitor's assignments and deliveries become the customer's (their profile did too).

    Where the customer already has an arm for the same offer, theirs stays and the visitor's goes.
    """
    taken = select(OfferAssignment.offer_id).where(OfferAssignment.subject_id == customer_id)
    await tx.session.execute(delete(OfferAssignment).where(OfferAssignment.subject_id == visitor_id, OfferAssignment.offer_id.in_(taken))
                             .execution_options(synchronize_session=False))
    await tx.session.execute(update(OfferAssignment).where(OfferAssignment.subject_id == visitor_id)
                             .values(subject_id=customer_id, subject_kind="customer").execution_options(synchronize_session=False))
    await tx.session.execute(update(OfferDelivery).where(OfferDelivery.subject_id == visitor_id)
                             .values(subject_id=customer_id).execution_options(synchronize_session=False))
    await tx.session.execute(delete(OfferCartWatch).where(OfferCartWatch.subject_id == visitor_id))
    # The shop-wide gap follows them too: the visitor's last offer counts unless the customer has their own.
    if await tx.session.get(OfferContact, customer_id) is None:
        await tx.session.execute(update(OfferContact).where(OfferContact.subject_id == visitor_id).values(subject_id=customer_id)
                                 .execution_options(synchronize_session=False))
    await tx.session.execute(delete(OfferContact).where(OfferContact.subject_id == visitor_id))
