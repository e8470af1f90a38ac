"""A customer profile as a commutative monoid over interaction events: pure functions, no database.

Each event becomes a small profile of its own (`from_event`); a profile is the `combine` of its
events. Because `combine` is associative and commutative, folding events as they happen, in any
commit order, and rebuilding from the whole log give exactly the same profile; merging an anonymous
visitor into a known customer is one more `combine`.

State layout (plain JSON): {"sum": {k: n}, "max": {k: iso}, "min": {k: iso}, "tally": {k: {key: n}},
"latest": {k: [iso, event_id, value]}}.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

State = dict[str, dict[str, Any]]
SECTIONS = ("sum", "max", "min", "tally", "latest")


def empty() -> State:
    return {section: {} for section in SECTIONS}


def combine(a: State, b: State) -> State:
    return absorb(_copy(a), b)


def _copy(state: State) -> State:
    out = {section: dict(state.get(section, {})) for section in SECTIONS}
    out["tally"] = {key: dict(counts) for key, counts in out["tally"].items()}
    return out


def absorb(into: State, b: State) -> State:
    """`combine`, writing into `into` (for folding many events without copying the profile each time)."""
    for section in SECTIONS:
        into.setdefault(section, {})
    total, high, low, tally, latest = (into[k] for k in SECTIONS)
    for key, value in b["sum"].items():
        total[key] = total.get(key, 0) + value
    for key, value in b["max"].items():
        if key not in high or value > high[key]:
            high[key] = value
    for key, value in b["min"].items():
        if key not in low or value < low[key]:
            low[key] = value
    for key, counts in b["tally"].items():
        mine = tally.setdefault(key, {})
        for k, n in counts.items():
            mine[k] = mine.get(k, 0) + n
    for key, value in b["latest"].items():
        if key not in latest or (value[0], value[1]) > (latest[key][0], latest[key][1]):
            latest[key] = value
    return into


# Bookkeeping about a profile, not behaviour of its subject: folded into nothing.
NOT_BEHAVIOUR = ("segment.", "customer.erased", "retention.")


def from_event(event_type: str, data: dict[str, Any], occurred_at: datetime, event_id: int) -> State:
    """The profile contribution of one interaction event."""
    if event_type.startswith(NOT_BEHAVIOUR):
        return empty()
    at = occurred_at.isoformat()
    # Built in place (one dict per section): this runs for every event folded.
    total: dict[str, Any] = {"events": 1}
    high: dict[str, Any] = {"last_seen": at}
    tally: dict[str, dict[str, int]] = {}
    latest: dict[str, list[Any]] = {}
    state: State = {"sum": total, "max": high, "min": {"first_seen": at}, "tally": tally, "latest": latest}
    if event_type == "visitor.session":
        total["visits"] = 1
    elif event_type == "conversation.started":
        total["conversations"] = 1
        if data.get("language"):
            tally["languages"] = {str(data["language"]).split("-")[0]: 1}
    elif event_type == "conversation.language_changed" and data.get("language"):
        # The language the visitor was detected writing in, beside the ones their chats started in.
        tally["languages"] = {str(data["language"]): 1}
    elif event_type == "message.created" and data.get("sender") == "visitor":
        total["messages"] = 1
    elif event_type == "conversation.state_changed" and data.get("to") in ("queued", "assigned") and data.get("from") == "bot":
        total["handoffs"] = 1
    elif event_type == "bot.intent" and data.get("intent"):
        tally["intents"] = {str(data["intent"]): 1}
    elif event_type == "conversation.rated" and isinstance(data.get("rating"), int):
        total.update({"csat_sum": data["rating"], "csat_count": 1})
    elif event_type == "consent.changed" and data.get("purpose"):
        latest[f"consent_{data['purpose']}"] = [at, event_id, bool(data.get("granted"))]
    elif event_type == "order.placed":
        total.update({"orders": 1, "revenue_cents": int(data.get("total_cents") or 0)})
        high["last_order_at"] = at
    elif event_type.startswith("track."):
        name = event_type.removeprefix("track.")
        tally["tracked"] = {name: 1}
        if name == "cart_add":
            latest["cart_activity"] = [at, event_id, "add"]
            high["last_cart_at"] = at
        elif name in ("cart_remove", "checkout_started"):
            latest["cart_activity"] = [at, event_id, name]
    elif event_type.startswith("offer."):
        tally["offers"] = {event_type.removeprefix("offer."): 1}
    return state


def summary(state: State, now: datetime) -> dict[str, Any]:
    """The profile as the console and segments read it."""
    s, mx, mn, tally, latest = (state[k] for k in SECTIONS)
    last_seen = mx.get("last_seen")
    last_order = mx.get("last_order_at")
    orders = s.get("orders", 0)
    revenue = s.get("revenue_cents", 0)
    recency_days = (now - datetime.fromisoformat(last_order)).days if last_order else None
    intents = sorted(tally.get("intents", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    languages = sorted(tally.get("languages", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "first_seen": mn.get("first_seen"),
        "last_seen": last_seen,
        "days_since_seen": (now - datetime.fromisoformat(last_seen)).days if last_seen else None,
        "visits": s.get("visits", 0),
        "conversations": s.get("conversations", 0),
        "messages": s.get("messages", 0),
        "handoffs": s.get("handoffs", 0),
        "orders": orders,
        "lifetime_value_cents": revenue,
        "recency_days": recency_days,
        "rfm": rfm_scores(recency_days, orders, revenue),
        "preferred_language": languages[0][0] if languages else None,
        "top_intents": [name for name, _ in intents[:5]],
        "satisfaction": round(s["csat_sum"] / s["csat_count"], 2) if s.get("csat_count") else None,
        "consent": {k.removeprefix("consent_"): v[2] for k, v in latest.items() if k.startswith("consent_")},
        "cart_open": latest.get("cart_activity", [None, None, None])[2] == "add",
        "last_cart_at": mx.get("last_cart_at"),
        "tracked": dict(tally.get("tracked", {})),
        "offers": dict(tally.get("offers", {})),
    }


# Score thresholds (1 = worst, 5 = best), fixed so a profile's score does not move when others change.
RECENCY_DAYS = (365, 180, 90, 30)
FREQUENCY_ORDERS = (1, 2, 4, 8)
MONETARY_CENTS = (5_000, 15_000, 50_000, 150_000)


def _score(value: float, thresholds: tuple[float, ...], *, lower_is_better: bool = False) -> int:
    if lower_is_better:
        return 1 + sum(1 for t in thresholds if value <= t)
    return 1 + sum(1 for t in thresholds if value >= t)


def rfm_scores(recency_days: int | None, orders: int, revenue_cents: int) -> dict[str, int] | None:
    if not orders:
        return None
    recency = _score(recency_days if recency_days is not None else math.inf, RECENCY_DAYS, lower_is_better=True)
    return {"r": recency, "f": _score(orders, FREQUENCY_ORDERS), "m": _score(revenue_cents, MONETARY_CENTS)}
