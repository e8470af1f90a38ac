"""Retention offers: the catalog, unique code pools, sticky experiment assignments, deliveries and the
delayed-trigger schedule. Counters that must never overshoot (budget, per-customer caps, codes) are
changed only by conditional atomic updates in livechat.offer_issue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from livechat.db.models import Base
from livechat.db.types import BigIntPK, JSONDoc, UTCDateTime, utcnow


class Offer(Base):
    """One retention offer with its trigger, eligibility, limits and experiment arms."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # discount_code | free_shipping | loyalty_perk | content
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    code_mode: Mapped[str] = mapped_column(String(16), default="none")  # none | shared | pool
    shared_code: Mapped[str | None] = mapped_column(String(64))
    cta_label: Mapped[str | None] = mapped_column(String(80))
    cta_url: Mapped[str | None] = mapped_column(String(500))
    trigger: Mapped[str] = mapped_column(String(32), index=True)
    trigger_params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    segments: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    consent: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    budget_total: Mapped[int | None] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    cost_cents: Mapped[int] = mapped_column(Integer, default=0)
    max_per_customer: Mapped[int] = mapped_column(Integer, default=1)
    min_interval_s: Mapped[int] = mapped_column(Integer, default=0)
    valid_for_s: Mapped[int | None] = mapped_column(Integer)
    holdout_pct: Mapped[int] = mapped_column(Integer, default=10)
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OfferCode(Base):
    """A unique code of an offer's pool; `delivery_id` is set once, when it is handed out."""

    __tablename__ = "offer_codes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    delivery_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_offer_codes_free", "offer_id", "delivery_id"),)


class OfferAssignment(Base):
    """A subject's sticky arm of an offer's experiment (a variant name, or 'holdout': gets nothing).

    Made the first time the offer's trigger fires for an eligible subject; the first order after it
    (within the attribution window) is its conversion, whatever the arm, so arms compare fairly.
    """

    __tablename__ = "offer_assignments"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    arm: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversion_order: Mapped[str | None] = mapped_column(String(64))
    conversion_revenue_cents: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_offer_assignments_subject", "subject_id"),)


class OfferDelivery(Base):
    """One offer handed to one subject: what they got and what they did with it."""

    __tablename__ = "offer_deliveries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    arm: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # chat | bot | api
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    code: Mapped[str | None] = mapped_column(String(64), index=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[str | None] = mapped_column(String(64))
    revenue_cents: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_offer_deliveries_subject", "subject_id", "offer_id"),
        Index("ix_offer_deliveries_due", "due_at"),
    )


class OfferContact(Base):
    """When a subject last got any proactive offer: locked while issuing, so the shop-wide gap holds."""

    __tablename__ = "offer_contacts"

    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    last_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfferCartWatch(Base):
    """An open cart waiting to be called abandoned: due when idle long enough without an order."""

    __tablename__ = "offer_cart_watches"

    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cart_cents: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ = ["Offer", "OfferCode", "OfferAssignment", "OfferDelivery", "OfferContact", "OfferCartWatch"]
