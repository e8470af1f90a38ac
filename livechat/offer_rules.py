"""Offer decisions as plain functions: which triggers an event fires, whether an offer's trigger
conditions and eligibility hold for a profile, the sticky experiment arm, and the card the visitor sees.

No database here; livechat.offer_issue applies these under the locks that keep budgets and caps exact.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from livechat.db.offer_models import Offer

HOLDOUT = "holdout"
KINDS = ("discount_code", "free_shipping", "loyalty_perk", "content")
CODE_MODES = ("none", "shared", "pool")
TRIGGERS = (
    "cart_abandoned",     # cart above a value, idle N seconds, no order (the sweep fires it)
    "churn_risk_return",  # a customer whose last order is long ago comes back
    "complaint_closed",   # a conversation handed over as a complaint was closed
    "repeat_milestone",   # the n-th order (params.milestones)
    "exit_intent",        # the widget reports the pointer leaving the page
    "returning_customer", # a known customer (or repeat visitor) arrives or identifies, on any page
    "api",                # the shop's own systems ask for it
    "discount_request",   # the visitor asks the bot for a discount
)
DEFAULT_CHURN_DAYS = 90
DEFAULT_MILESTONES = (2, 5, 10)
BUCKETS = 10_000


@dataclass(frozen=True)
class Firing:
    """A trigger fired for a subject, with what the conditions need (cart value, conversation)."""

    trigger: str
    context: dict[str, Any] = field(default_factory=dict)


def _bucket(*parts: str) -> int:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign_arm(offer_key: str, subject_id: uuid.UUID, holdout_pct: int, variants: list[dict[str, Any]]) -> str:
    """The subject's arm: the same answer every time (a hash of offer and subject, no state).

    `holdout_pct` percent of subjects land in the holdout; the rest split over the variants by weight.
    The second hash is independent of the first, so changing the holdout share does not reshuffle variants.
    """
    if _bucket("holdout", offer_key, str(subject_id)) < holdout_pct * BUCKETS // 100:
        return HOLDOUT
    names = [(v["name"], max(0, int(v.get("weight", 1)))) for v in variants] or [("A", 1)]
    total = sum(w for _, w in names) or len(names)
    point = _bucket("variant", offer_key, str(subject_id)) * total / BUCKETS
    for name, weight in names:
        if point < weight:
            return name
        point -= weight
    return names[-1][0]


def triggers_for_event(event: dict[str, Any], summary: dict[str, Any] | None, *, closed_reason: str | None = None) -> list[Firing]:
    """The triggers one committed interaction event fires (cart abandonment is the sweep's, not here).

    `summary` is the subject's profile after the event; `closed_reason` the handoff reason of a
    conversation the event closed.
    """
    kind, data = event["type"], event.get("data") or {}
    summary = summary or {}
    known = event.get("subject_kind") == "customer"
    if kind == "track.exit_intent":
        return [Firing("exit_intent")]
    if kind in ("visitor.session", "visitor.identified"):
        firings = []
        if known or summary.get("visits", 0) >= 2:
            firings.append(Firing("returning_customer"))
        if summary.get("orders", 0) >= 1 and summary.get("recency_days") is not None:
            firings.append(Firing("churn_risk_return", {"recency_days": summary["recency_days"]}))
        return firings
    if kind == "conversation.state_changed" and data.get("to") == "closed" and closed_reason == "complaint":
        return [Firing("complaint_closed", {"conversation_id": event.get("conversation_id")})]
    # A backfill imports history: old orders are no moment to reach anyone.
    if kind == "order.placed" and data.get("source") != "backfill" and summary.get("orders", 0) >= 2:
        return [Firing("repeat_milestone", {"orders": summary["orders"]})]
    return []


def conditions_hold(offer: Offer, firing: Firing, summary: dict[str, Any] | None = None) -> bool:
    """The offer's own trigger parameters (cart value, churn days, milestones) for this firing.

    An abandoned cart must still be open in the profile: a `cart_remove` carries no price, so the
    watched value may not have gone down when the visitor emptied their cart.
    """
    params = offer.trigger_params or {}
    context = firing.context
    if firing.trigger == "cart_abandoned":
        still_open = summary is None or summary.get("cart_open", True)
        return still_open and int(context.get("cart_cents", 0)) >= int(params.get("min_cart_cents", 0))
    if firing.trigger == "churn_risk_return":
        return int(context.get("recency_days", 0)) >= int(params.get("min_recency_days", DEFAULT_CHURN_DAYS))
    if firing.trigger == "repeat_milestone":
        return int(context.get("orders", 0)) in [int(m) for m in params.get("milestones", DEFAULT_MILESTONES)]
    return True


def ineligible_reason(offer: Offer, summary: dict[str, Any], segments: set[str], now: datetime) -> str | None:
    """Why the offer may not go to this subject now (None: it may): active, window, segment, consent."""
    if not offer.active:
        return "inactive"
    if offer.starts_at is not None and now < offer.starts_at:
        return "not_started"
    if offer.ends_at is not None and now >= offer.ends_at:
        return "ended"
    if offer.budget_total is not None and offer.issued_count >= offer.budget_total:
        return "budget_spent"
    if offer.segments and not segments.intersection(offer.segments):
        return "segment"
    consent = summary.get("consent") or {}
    # A withdrawn tracking consent means no personalization at all; an offer may also require a grant.
    if consent.get("tracking") is False:
        return "consent"
    if offer.consent and consent.get(offer.consent) is not True:
        return "consent"
    return None


def variant_of(offer: Offer, arm: str) -> dict[str, Any]:
    return next((v for v in offer.variants or [] if v.get("name") == arm), {"name": arm})


def delay_of(offer: Offer, arm: str) -> timedelta:
    """A variant may differ in the moment: delivered this many seconds after the trigger."""
    return timedelta(seconds=int(variant_of(offer, arm).get("delay_s", 0) or 0))


def card(offer: Offer, arm: str, *, code: str | None, expires_at: datetime | None) -> dict[str, Any]:
    """The offer card message payload the widget renders (docs/protocol.md OfferCard)."""
    variant = variant_of(offer, arm)
    payload: dict[str, Any] = {
        "type": "offer",
        "offer_id": offer.key,
        "title": variant.get("title") or offer.title,
        "text": variant.get("text") or offer.text,
    }
    if code:
        payload["code"] = code
    label, url = variant.get("cta_label") or offer.cta_label, variant.get("cta_url") or offer.cta_url
    if label and url:
        payload["cta"] = {"label": label, "url": url}
    if expires_at is not None:
        payload["expires_at"] = expires_at.isoformat()
    return payload


def shared_code_of(offer: Offer, arm: str) -> str | None:
    """A variant that differs in the discount carries its own shared code."""
    return variant_of(offer, arm).get("code") or offer.shared_code
