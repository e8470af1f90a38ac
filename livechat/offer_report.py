"""An offer's results per arm: the funnel (delivered, shown, clicked, accepted, redeemed), conversion
of everyone assigned, uplift against the holdout with its 95% interval, and cost per retained customer.

Conversion counts every assigned subject whether or not the card reached them (intention to treat),
so the holdout, which got nothing, is a fair comparison.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.offer_models import Offer, OfferAssignment, OfferDelivery
from livechat.offer_catalog import offer_to_wire
from livechat.offer_rules import HOLDOUT
from livechat.offer_stats import cost_per_retained, uplift

ALL_TREATED = "all_variants"
CSV_COLUMNS = ("offer", "arm", "assigned", "converted", "conversion_rate", "uplift", "ci_low", "ci_high", "significant",
               "delivered", "shown", "clicked", "accepted", "redeemed", "revenue_cents", "redeemed_revenue_cents",
               "cost_cents", "cost_per_retained_cents")


def _arm_row(arm: str, a: dict[str, int], d: dict[str, int], control: dict[str, int] | None, cost_each: int) -> dict[str, Any]:
    n, converted = a.get("assigned", 0), a.get("converted", 0)
    row: dict[str, Any] = {
        "arm": arm, "assigned": n, "converted": converted, "conversion_rate": converted / n if n else None,
        "revenue_cents": a.get("revenue_cents", 0),
        **{k: d.get(k, 0) for k in ("delivered", "shown", "clicked", "accepted", "redeemed", "redeemed_revenue_cents")},
        "uplift": None, "ci_low": None, "ci_high": None, "significant": None, "cost_cents": d.get("redeemed", 0) * cost_each,
        "cost_per_retained_cents": None,
    }
    if arm != HOLDOUT and control is not None:
        result = uplift(converted, n, control.get("converted", 0), control.get("assigned", 0))
        if result is not None:
            row.update(uplift=result.uplift, ci_low=result.ci_low, ci_high=result.ci_high, significant=result.significant)
            row["cost_per_retained_cents"] = cost_per_retained(row["cost_cents"], result.uplift, n)
    return row


async def report(session: AsyncSession, offer: Offer) -> dict[str, Any]:
    assigned = {arm: {"assigned": n, "converted": c, "revenue_cents": int(r or 0)} for arm, n, c, r in (await session.execute(
        select(OfferAssignment.arm, func.count(), func.count(OfferAssignment.converted_at), func.sum(OfferAssignment.conversion_revenue_cents))
        .where(OfferAssignment.offer_id == offer.id).group_by(OfferAssignment.arm))).all()}
    delivered = {arm: {"delivered": n, "shown": s, "clicked": c, "accepted": acc, "redeemed": red, "redeemed_revenue_cents": int(rev or 0)}
                 for arm, n, s, c, acc, red, rev in (await session.execute(
                     select(OfferDelivery.arm, func.count(OfferDelivery.delivered_at), func.count(OfferDelivery.shown_at),
                            func.count(OfferDelivery.clicked_at), func.count(OfferDelivery.accepted_at), func.count(OfferDelivery.redeemed_at),
                            func.sum(OfferDelivery.revenue_cents))
                     .where(OfferDelivery.offer_id == offer.id).group_by(OfferDelivery.arm))).all()}
    control = assigned.get(HOLDOUT)
    variants = [v["name"] for v in offer.variants or []] or ["A"]
    arms = [_arm_row(name, assigned.get(name, {}), delivered.get(name, {}), control, offer.cost_cents) for name in variants]
    if len(variants) > 1:
        pooled_a = {k: sum(assigned.get(v, {}).get(k, 0) for v in variants) for k in ("assigned", "converted", "revenue_cents")}
        pooled_d = {k: sum(delivered.get(v, {}).get(k, 0) for v in variants)
                    for k in ("delivered", "shown", "clicked", "accepted", "redeemed", "redeemed_revenue_cents")}
        arms.append(_arm_row(ALL_TREATED, pooled_a, pooled_d, control, offer.cost_cents))
    arms.append(_arm_row(HOLDOUT, control or {}, {}, None, offer.cost_cents))
    return {"offer": offer_to_wire(offer), "arms": arms}


def as_csv(reports: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in reports:
        for arm in item["arms"]:
            writer.writerow({**arm, "offer": item["offer"]["key"]})
    return out.getvalue()


async def subject_offers(session: AsyncSession, subject_id, limit: int = 20) -> list[dict[str, Any]]:
    """What a customer (or visitor) was offered, newest first: for the console's customer panel and exports."""
    rows = (await session.execute(
        select(OfferDelivery, Offer.key, Offer.name).join(Offer, Offer.id == OfferDelivery.offer_id)
        .where(OfferDelivery.subject_id == subject_id).order_by(OfferDelivery.id.desc()).limit(limit))).all()
    return [{
        "offer": key, "name": name, "title": d.card.get("title"), "code": d.code, "arm": d.arm, "trigger": d.trigger,
        "issued_at": d.issued_at.isoformat(), "shown": d.shown_at is not None, "clicked": d.clicked_at is not None,
        "redeemed": d.redeemed_at is not None,
    } for d, key, name in rows]
