"""Offer triggers on the live event stream: a listener on committed interaction events, and a sweep
for what is due later (abandoned carts, deliveries a variant holds back to another moment).

Each firing runs in its own transaction, so one offer's failure never undoes another's delivery.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from livechat import offer_measure
from livechat.db.models import Conversation, Profile
from livechat.db.offer_models import Offer, OfferCartWatch, OfferDelivery
from livechat.db.types import utcnow
from livechat.offer_issue import Subject, deliver_in_chat, fire, visitor_of
from livechat.offer_rules import Firing, triggers_for_event
from livechat.profile_state import summary
from livechat.transaction import DomainEvent, Tx

log = logging.getLogger(__name__)

FIRING_TYPES = ("track.exit_intent", "visitor.session", "visitor.identified", "conversation.state_changed", "order.placed")
CART_TYPES = ("track.cart_add", "track.cart_remove")
SWEEP_BATCH = 100


def _cart_cents(data: dict[str, Any]) -> int:
    """A cart line's value from the shop's track props (price_cents × quantity, or value_cents)."""
    try:
        if data.get("value_cents") is not None:
            return max(0, int(data["value_cents"]))
        return max(0, int(data.get("price_cents") or 0)) * max(1, int(data.get("quantity") or 1))
    except (TypeError, ValueError):
        return 0


class OfferTriggers:
    """Listener and sweep; `transaction` opens a Tx (Services.transaction)."""

    def __init__(self, transaction, *, cart_idle_s: float, attribution_days: int, min_gap_s: float = 0) -> None:
        self._transaction = transaction
        self._min_gap_s = min_gap_s
        self._cart_idle = timedelta(seconds=cart_idle_s)
        self._attribution = timedelta(days=attribution_days)

    async def on_interactions(self, event: DomainEvent) -> None:
        events: list[dict[str, Any]] = event.data["events"]
        measured = [e for e in events if offer_measure.relevant(e)]
        carts = [e for e in events if e["type"] in CART_TYPES]
        firing = [e for e in events if e["type"] in FIRING_TYPES]
        if measured or carts:
            async with self._transaction() as tx:
                await offer_measure.apply(tx, measured, attribution=self._attribution)
                for cart_event in carts:
                    await self._watch_cart(tx, cart_event)
        if firing:
            for subject, visitor_id, trigger in await self._firings(firing):
                await self.fire(trigger, subject, visitor_id=visitor_id)

    async def _firings(self, events: list[dict[str, Any]]) -> list[tuple[Subject, uuid.UUID | None, Firing]]:
        async with self._transaction() as tx:
            profiles = {p.subject_id: p.state for p in await tx.session.scalars(
                select(Profile).where(Profile.subject_id.in_({e["subject_id"] for e in events})))}
            closed = [e["conversation_id"] for e in events if e["type"] == "conversation.state_changed"
                      and (e.get("data") or {}).get("to") == "closed" and e.get("conversation_id")]
            reasons = dict((await tx.session.execute(
                select(Conversation.id, Conversation.handoff_reason).where(Conversation.id.in_(closed)))).all()) if closed else {}
        now = utcnow()
        out = []
        for e in events:
            state = profiles.get(e["subject_id"])
            view = summary(state, now) if state is not None else None
            for firing in triggers_for_event(e, view, closed_reason=reasons.get(e.get("conversation_id"))):
                out.append((Subject(e["subject_id"], e["subject_kind"]), e.get("visitor_id"), firing))
        return out

    async def fire(self, firing: Firing, subject: Subject, *, visitor_id: uuid.UUID | None):
        try:
            async with self._transaction() as tx:
                visitor_id = visitor_id or await visitor_of(tx, subject)
                outcome = await fire(tx, firing, subject, visitor_id=visitor_id, channel="chat", min_gap_s=self._min_gap_s)
            log.debug("trigger %s for %s: %s", firing.trigger, subject.id, outcome.status)
            return outcome
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one failed firing must not stop the next
            log.exception("offer trigger %s failed for %s", firing.trigger, subject.id)
            return None

    async def _watch_cart(self, tx: Tx, event: dict[str, Any]) -> None:
        subject_id = event["subject_id"]
        cents = _cart_cents(event.get("data") or {})
        if event["type"] == "track.cart_remove":
            cents = -cents
        insert = pg_insert if tx.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = insert(OfferCartWatch).values(
            subject_id=subject_id, subject_kind=event["subject_kind"], visitor_id=event.get("visitor_id"),
            cart_cents=max(0, cents), due_at=event["occurred_at"] + self._cart_idle)
        await tx.session.execute(statement.on_conflict_do_update(
            index_elements=[OfferCartWatch.subject_id],
            set_={"cart_cents": OfferCartWatch.cart_cents + cents, "due_at": statement.excluded.due_at,
                  "visitor_id": statement.excluded.visitor_id}))
        if event["type"] == "track.cart_remove":
            await tx.session.execute(delete(OfferCartWatch).where(OfferCartWatch.subject_id == subject_id, OfferCartWatch.cart_cents <= 0))

    async def sweep(self) -> int:
        """Fire the abandoned carts that are due and deliver held-back cards; returns how many were handled."""
        now = utcnow()
        async with self._transaction() as tx:
            due = select(OfferCartWatch.subject_id).where(OfferCartWatch.due_at <= now).order_by(OfferCartWatch.due_at) \
                .limit(SWEEP_BATCH).with_for_update(skip_locked=True)
            # Claimed by deleting: of two nodes sweeping at once, each cart goes to exactly one.
            claimed = (await tx.session.execute(
                delete(OfferCartWatch).where(OfferCartWatch.subject_id.in_(due))
                .returning(OfferCartWatch.subject_id, OfferCartWatch.subject_kind, OfferCartWatch.visitor_id, OfferCartWatch.cart_cents)
                .execution_options(synchronize_session=False))).all()
        for subject_id, kind, visitor_id, cents in claimed:
            await self.fire(Firing("cart_abandoned", {"cart_cents": cents}), Subject(subject_id, kind), visitor_id=visitor_id)
        held = 0
        while True:
            async with self._transaction() as tx:
                # A card held back for later stays back if its offer was paused meanwhile.
                delivery = await tx.session.scalar(
                    select(OfferDelivery).join(Offer, Offer.id == OfferDelivery.offer_id)
                    .where(OfferDelivery.due_at <= now, OfferDelivery.delivered_at.is_(None), Offer.active.is_(True))
                    .order_by(OfferDelivery.due_at).limit(1).with_for_update(of=OfferDelivery, skip_locked=True))
                if delivery is None:
                    break
                if delivery.visitor_id is not None:
                    await deliver_in_chat(tx, delivery, utcnow())
                else:
                    delivery.delivered_at = utcnow()
                held += 1
        return len(claimed) + held


async def run_offer_sweep(triggers: OfferTriggers, *, every_s: float) -> None:
    """The server's periodic sweep (every node runs one; claims keep them from doubling up)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await triggers.sweep()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next round retries
            log.exception("offer sweep failed")
