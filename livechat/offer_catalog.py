"""The offer catalog: defining offers (validated), adding unique codes to a pool, listing them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from livechat.db.offer_models import Offer, OfferCode
from livechat.errors import Conflict, InvalidInput, NotFound
from livechat.offer_rules import HOLDOUT
from livechat.transaction import Tx

KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
MAX_CODES_PER_CALL = 10_000
Trigger = Literal["cart_abandoned", "churn_risk_return", "complaint_closed", "repeat_milestone", "exit_intent",
                  "returning_customer", "api", "discount_request"]


class VariantIn(BaseModel):
    """One arm: differs from the offer in one element (text, discount via its own code, or moment)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    weight: int = Field(1, ge=1, le=1000)
    title: str | None = Field(None, min_length=1, max_length=200)
    text: str | None = Field(None, min_length=1, max_length=2000)
    code: str | None = Field(None, pattern=CODE_PATTERN)
    delay_s: int = Field(0, ge=0, le=7 * 24 * 3600)


class TriggerParamsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_cart_cents: int = Field(0, ge=0, le=10**9)
    min_recency_days: int = Field(90, ge=0, le=10_000)
    milestones: list[int] = Field(default_factory=lambda: [2, 5, 10], max_length=20)


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["discount_code", "free_shipping", "loyalty_perk", "content"]
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)
    code_mode: Literal["none", "shared", "pool"] = "none"
    shared_code: str | None = Field(None, pattern=CODE_PATTERN)
    cta_label: str | None = Field(None, min_length=1, max_length=80)
    cta_url: str | None = Field(None, max_length=500, pattern=r"^(https?://|/)[^\s]*$")
    trigger: Trigger
    trigger_params: TriggerParamsIn = Field(default_factory=TriggerParamsIn)
    segments: list[str] = Field(default_factory=list, max_length=20)
    consent: Literal["tracking", "identification"] | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    budget_total: int | None = Field(None, ge=0, le=10**9)
    cost_cents: int = Field(0, ge=0, le=10**9)
    max_per_customer: int = Field(1, ge=1, le=1000)
    min_interval_s: int = Field(0, ge=0, le=365 * 24 * 3600)
    valid_for_s: int | None = Field(None, ge=60, le=365 * 24 * 3600)
    holdout_pct: int = Field(10, ge=0, le=90)
    variants: list[VariantIn] = Field(default_factory=lambda: [VariantIn(name="A")], min_length=1, max_length=10)
    priority: int = Field(0, ge=-1000, le=1000)
    active: bool = True



class CodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=1, max_length=MAX_CODES_PER_CALL)


def check_offer(body: OfferIn) -> None:
    """What the field types cannot say: a shared code exists, the window is forwards, arm names are distinct."""
    if body.code_mode == "shared" and not body.shared_code and not all(v.code for v in body.variants):
        raise InvalidInput("A shared-code offer needs shared_code (or a code on every variant).", fields=["shared_code"])
    if body.starts_at and body.ends_at and body.ends_at <= body.starts_at:
        raise InvalidInput("ends_at must be after starts_at.", fields=["ends_at"])
    names = [v.name for v in body.variants]
    if len(set(names)) != len(names) or HOLDOUT in names:
        raise InvalidInput("Variant names must be distinct and not 'holdout'.", fields=["variants"])
    if any(not re.match(r"^[a-z][a-z0-9_]{0,63}$", s) for s in body.segments):
        raise InvalidInput("segments are segment names (lowercase letters, digits, _).", fields=["segments"])


def _columns(body: OfferIn) -> dict[str, Any]:
    values = body.model_dump(exclude={"key"})
    values["trigger_params"] = body.trigger_params.model_dump()
    values["variants"] = [v.model_dump(exclude_none=True) for v in body.variants]
    return values


async def do_create(tx: Tx, body: OfferIn) -> Offer:
    check_offer(body)
    if await tx.session.scalar(select(Offer.id).where(Offer.key == body.key)) is not None:
        raise Conflict(f"There is already an offer {body.key}.", code="offer_exists")
    offer = Offer(key=body.key, issued_count=0, **_columns(body))
    tx.session.add(offer)
    await tx.session.flush()
    return offer


async def get_offer(tx: Tx, key: str, *, lock: bool = False) -> Offer:
    offer = await tx.session.scalar(select(Offer).where(Offer.key == key).with_for_update(of=Offer) if lock else
                                    select(Offer).where(Offer.key == key))
    if offer is None:
        raise NotFound("No such offer.", code="offer_not_found")
    return offer


async def do_update(tx: Tx, key: str, body: OfferIn) -> Offer:
    """Change an offer. Arms already assigned stay (stickiness); the key cannot change."""
    check_offer(body)
    if body.key != key:
        raise InvalidInput("The key in the body must match the URL.", fields=["key"])
    offer = await get_offer(tx, key, lock=True)
    for name, value in _columns(body).items():
        setattr(offer, name, value)
    return offer


async def do_add_codes(tx: Tx, key: str, body: CodesIn) -> dict[str, int]:
    """Add unique codes to a pool offer; codes that exist anywhere already are skipped, and counted."""
    offer = await get_offer(tx, key)
    if offer.code_mode != "pool":
        raise Conflict("Only a pool offer takes unique codes.", code="not_a_pool_offer")
    codes = sorted({c.strip() for c in body.codes})
    bad = [c for c in codes if not re.match(CODE_PATTERN, c)]
    if bad:
        raise InvalidInput(f"Not a code: {bad[0][:70]!r} (letters, digits, _ and -, up to 64).", fields=["codes"])
    insert = pg_insert if tx.session.bind.dialect.name == "postgresql" else sqlite_insert
    before = (await code_counts(tx, offer))["codes_total"]
    await tx.session.execute(insert(OfferCode).on_conflict_do_nothing(), [{"offer_id": offer.id, "code": c} for c in codes])
    counts = await code_counts(tx, offer)
    added = counts["codes_total"] - before
    return {"added": added, "skipped": len(codes) - added, **counts}


async def code_counts(tx: Tx, offer: Offer) -> dict[str, int]:
    total, issued = (await tx.session.execute(
        select(func.count(), func.count(OfferCode.delivery_id)).where(OfferCode.offer_id == offer.id))).one()
    return {"codes_total": total, "codes_free": total - issued}


def offer_to_wire(offer: Offer) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "key": offer.key, "name": offer.name, "kind": offer.kind, "title": offer.title, "text": offer.text,
        "code_mode": offer.code_mode, "shared_code": offer.shared_code, "cta_label": offer.cta_label, "cta_url": offer.cta_url,
        "trigger": offer.trigger, "trigger_params": offer.trigger_params, "segments": offer.segments, "consent": offer.consent,
        "starts_at": iso(offer.starts_at), "ends_at": iso(offer.ends_at), "budget_total": offer.budget_total,
        "issued_count": offer.issued_count, "cost_cents": offer.cost_cents, "max_per_customer": offer.max_per_customer,
        "min_interval_s": offer.min_interval_s, "valid_for_s": offer.valid_for_s, "holdout_pct": offer.holdout_pct,
        "variants": offer.variants, "priority": offer.priority, "active": offer.active,
    }
