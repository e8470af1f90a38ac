"""Offer decisions without a database: triggers from events, conditions, eligibility, sticky arms, cards."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from livechat.db.offer_models import Offer
from livechat.offer_rules import HOLDOUT, Firing, assign_arm, card, conditions_hold, delay_of, ineligible_reason, triggers_for_event

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _offer(**values) -> Offer:
    base = dict(key="winback", name="Win back", kind="discount_code", title="10% off", text="Welcome back: 10% off today.",
                code_mode="none", trigger="exit_intent", trigger_params={}, segments=[], consent=None, starts_at=None, ends_at=None,
                budget_total=None, issued_count=0, active=True, variants=[{"name": "A"}], holdout_pct=10, cta_label=None, cta_url=None,
                shared_code=None)
    base.update(values)
    return Offer(**base)


def test_arms_are_sticky_and_split_as_configured():
    variants = [{"name": "A", "weight": 1}, {"name": "B", "weight": 3}]
    subjects = [uuid.UUID(int=i * 7919) for i in range(20_000)]
    arms = [assign_arm("winback", s, 10, variants) for s in subjects]
    assert arms == [assign_arm("winback", s, 10, variants) for s in subjects]
    shares = {arm: n / len(arms) for arm, n in Counter(arms).items()}
    assert abs(shares[HOLDOUT] - 0.10) < 0.01 and abs(shares["A"] - 0.225) < 0.01 and abs(shares["B"] - 0.675) < 0.015
    # Another offer hashes independently: being held out of one does not mean being held out of all.
    other = [assign_arm("cartsave", s, 10, variants) for s in subjects]
    both = sum(1 for a, b in zip(arms, other) if a == HOLDOUT and b == HOLDOUT) / len(arms)
    assert abs(both - 0.01) < 0.005


def test_changing_the_holdout_share_keeps_variant_members_in_their_variant():
    variants = [{"name": "A"}, {"name": "B"}]
    subjects = [uuid.UUID(int=i * 104729) for i in range(2_000)]
    before = {s: assign_arm("x", s, 10, variants) for s in subjects}
    after = {s: assign_arm("x", s, 20, variants) for s in subjects}
    assert all(after[s] in (before[s], HOLDOUT) for s in subjects)


def test_events_fire_the_triggers_they_mean():
    customer = {"type": "visitor.session", "subject_kind": "customer", "data": {}}
    assert [f.trigger for f in triggers_for_event(customer, {"visits": 1, "orders": 0})] == ["returning_customer"]
    lapsed = triggers_for_event(customer, {"visits": 5, "orders": 2, "recency_days": 120})
    assert [f.trigger for f in lapsed] == ["returning_customer", "churn_risk_return"] and lapsed[1].context == {"recency_days": 120}
    newcomer = {"type": "visitor.session", "subject_kind": "visitor", "data": {}}
    assert triggers_for_event(newcomer, {"visits": 1}) == []
    assert [f.trigger for f in triggers_for_event(newcomer, {"visits": 2})] == ["returning_customer"]
    assert [f.trigger for f in triggers_for_event({"type": "track.exit_intent", "subject_kind": "visitor"}, None)] == ["exit_intent"]
    closed = {"type": "conversation.state_changed", "subject_kind": "visitor", "conversation_id": "c", "data": {"to": "closed"}}
    assert [f.trigger for f in triggers_for_event(closed, {}, closed_reason="complaint")] == ["complaint_closed"]
    assert triggers_for_event(closed, {}, closed_reason="bot_unavailable") == []
    order = {"type": "order.placed", "subject_kind": "customer", "data": {}}
    assert triggers_for_event(order, {"orders": 1}) == []
    assert triggers_for_event(order, {"orders": 5})[0] == Firing("repeat_milestone", {"orders": 5})
    assert triggers_for_event({**order, "data": {"source": "backfill"}}, {"orders": 5}) == []


def test_trigger_conditions_use_the_offers_parameters():
    cart = _offer(trigger="cart_abandoned", trigger_params={"min_cart_cents": 5000})
    assert conditions_hold(cart, Firing("cart_abandoned", {"cart_cents": 8900}))
    assert not conditions_hold(cart, Firing("cart_abandoned", {"cart_cents": 4999}))
    assert not conditions_hold(cart, Firing("cart_abandoned", {"cart_cents": 8900}), {"cart_open": False})
    churn = _offer(trigger="churn_risk_return", trigger_params={"min_recency_days": 60})
    assert conditions_hold(churn, Firing("churn_risk_return", {"recency_days": 61}))
    assert not conditions_hold(churn, Firing("churn_risk_return", {"recency_days": 30}))
    milestone = _offer(trigger="repeat_milestone", trigger_params={"milestones": [3]})
    assert conditions_hold(milestone, Firing("repeat_milestone", {"orders": 3}))
    assert not conditions_hold(milestone, Firing("repeat_milestone", {"orders": 4}))


def test_eligibility_window_budget_segment_and_consent():
    assert ineligible_reason(_offer(), {}, set(), NOW) is None
    assert ineligible_reason(_offer(active=False), {}, set(), NOW) == "inactive"
    assert ineligible_reason(_offer(starts_at=NOW + timedelta(hours=1)), {}, set(), NOW) == "not_started"
    assert ineligible_reason(_offer(ends_at=NOW), {}, set(), NOW) == "ended"
    assert ineligible_reason(_offer(budget_total=5, issued_count=5), {}, set(), NOW) == "budget_spent"
    assert ineligible_reason(_offer(segments=["churn_risk", "vip"]), {}, {"new_visitor"}, NOW) == "segment"
    assert ineligible_reason(_offer(segments=["churn_risk", "vip"]), {}, {"vip"}, NOW) is None
    assert ineligible_reason(_offer(), {"consent": {"tracking": False}}, set(), NOW) == "consent"
    assert ineligible_reason(_offer(consent="tracking"), {"consent": {}}, set(), NOW) == "consent"
    assert ineligible_reason(_offer(consent="tracking"), {"consent": {"tracking": True}}, set(), NOW) is None


def test_the_card_shows_the_variants_element():
    offer = _offer(cta_label="Shop now", cta_url="/shop", variants=[{"name": "A"}, {"name": "B", "text": "Free shipping today.", "delay_s": 60}])
    assert card(offer, "A", code="SAVE-1", expires_at=NOW) == {
        "type": "offer", "offer_id": "winback", "title": "10% off", "text": "Welcome back: 10% off today.", "code": "SAVE-1",
        "cta": {"label": "Shop now", "url": "/shop"}, "expires_at": NOW.isoformat()}
    assert card(offer, "B", code=None, expires_at=None)["text"] == "Free shipping today."
    assert delay_of(offer, "B") == timedelta(seconds=60) and delay_of(offer, "A") == timedelta(0)
