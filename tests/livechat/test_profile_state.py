"""The profile monoid: combining is order-free, so folding live and rebuilding agree."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from livechat.profile_state import combine, empty, from_event, rfm_scores, summary

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EVENTS = [
    ("visitor.session", {"language": "pl"}),
    ("conversation.started", {"language": "pl-PL"}),
    ("message.created", {"sender": "visitor", "seq": 1}),
    ("message.created", {"sender": "bot", "seq": 2}),
    ("bot.intent", {"intent": "order_status"}),
    ("bot.intent", {"intent": "order_status"}),
    ("bot.intent", {"intent": "greet"}),
    ("conversation.state_changed", {"from": "bot", "to": "queued"}),
    ("conversation.rated", {"rating": 4}),
    ("consent.changed", {"purpose": "tracking", "granted": True}),
    ("consent.changed", {"purpose": "tracking", "granted": False}),
    ("track.cart_add", {"sku": "SW-001"}),
    ("order.placed", {"total_cents": 12_000}),
    ("order.placed", {"total_cents": 8_000}),
]


def contributions():
    return [from_event(kind, data, T0 + timedelta(minutes=i), i + 1) for i, (kind, data) in enumerate(EVENTS)]


def fold(parts):
    state = empty()
    for part in parts:
        state = combine(state, part)
    return state


def test_any_order_and_grouping_gives_the_same_profile():
    parts = contributions()
    expected = fold(parts)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = parts[:]
        rng.shuffle(shuffled)
        split = rng.randrange(len(shuffled))
        assert combine(fold(shuffled[:split]), fold(shuffled[split:])) == expected


def test_the_summary_reads_like_a_customer():
    profile = summary(fold(contributions()), T0 + timedelta(days=10))
    assert profile["visits"] == 1 and profile["conversations"] == 1 and profile["messages"] == 1
    assert profile["handoffs"] == 1 and profile["orders"] == 2 and profile["lifetime_value_cents"] == 20_000
    assert profile["preferred_language"] == "pl" and profile["top_intents"] == ["order_status", "greet"]
    assert profile["satisfaction"] == 4.0
    assert profile["consent"] == {"tracking": False}  # the later decision wins, whatever the order
    assert profile["recency_days"] == 9 and profile["rfm"] == {"r": 5, "f": 3, "m": 3}


def test_rfm_needs_orders():
    assert rfm_scores(None, 0, 0) is None
    assert rfm_scores(400, 1, 1_000) == {"r": 1, "f": 2, "m": 1}
    assert rfm_scores(3, 9, 200_000) == {"r": 5, "f": 5, "m": 5}
