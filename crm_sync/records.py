"""What a CRM receives about a customer, an order and a closed chat: pure functions over our rows.

Consent rule: a customer goes to a CRM only while their latest `identification` decision is a grant
(agreeing to be identified is what links their behaviour to their person, and a CRM record is exactly
that link) and we know their email. Behaviour (visits, chats, intents, language, last seen) goes only
while `tracking` is not withdrawn; withdrawing it clears those properties in the CRM. Orders, lifetime
value and RFM come from their orders (a contract) and go whenever the contact does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_sync.destination import ContactRecord, DealRecord, NoteRecord

BEHAVIOUR = ("shopchat_visits", "shopchat_conversations", "shopchat_messages", "shopchat_last_seen",
             "shopchat_preferred_language", "shopchat_top_intents", "shopchat_satisfaction")
DEAL_STAGES = {"cancelled": "closedlost", "refunded": "closedlost", "failed": "closedlost"}


def may_sync(view: dict[str, Any], email: str | None) -> bool:
    """The consent rule above, on a profile summary."""
    return bool(email) and view.get("consent", {}).get("identification") is True


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def contact_record(subject_id: str, view: dict[str, Any], identity: dict[str, str | None], segments: list[str]) -> ContactRecord:
    name = (identity.get("name") or "").split(None, 1)
    rfm = view.get("rfm")
    consent = view.get("consent", {})
    properties: dict[str, Any] = {
        "email": identity["email"],
        "firstname": name[0] if name else "",
        "lastname": name[1] if len(name) > 1 else "",
        "phone": identity.get("phone") or "",
        "shopchat_consent_identification": True,
        "shopchat_consent_tracking": consent.get("tracking"),
        "shopchat_segments": ";".join(sorted(segments)),
        "shopchat_orders": view.get("orders", 0),
        "shopchat_lifetime_value": _money(view.get("lifetime_value_cents", 0)),
        "shopchat_rfm": f"{rfm['r']}{rfm['f']}{rfm['m']}" if rfm else "",
    }
    if consent.get("tracking") is False:
        properties.update({key: "" for key in BEHAVIOUR})
    else:
        properties.update({
            "shopchat_visits": view.get("visits", 0),
            "shopchat_conversations": view.get("conversations", 0),
            "shopchat_messages": view.get("messages", 0),
            "shopchat_last_seen": view.get("last_seen") or "",
            "shopchat_preferred_language": view.get("preferred_language") or "",
            "shopchat_top_intents": ";".join(view.get("top_intents", [])),
            "shopchat_satisfaction": view.get("satisfaction") if view.get("satisfaction") is not None else "",
        })
    return ContactRecord(subject_id, properties)


def deal_record(number: str, status: str, total_cents: int, currency: str, placed_at: datetime, *,
                contact_remote_id: str | None, subject_id: str | None) -> DealRecord:
    return DealRecord(number, {
        "dealname": f"Order {number}",
        "amount": _money(total_cents),
        "deal_currency_code": currency,
        "closedate": placed_at.isoformat(),
        "dealstage": DEAL_STAGES.get(status, "closedwon"),
        "pipeline": "default",
        "shopchat_order_status": status,
    }, contact_remote_id, subject_id)


def note_record(conversation: dict[str, Any], messages: int, *, contact_remote_id: str | None, subject_id: str) -> NoteRecord:
    """A closed chat as a timeline note: what happened, not what was said."""
    parts = [f"Chat closed {conversation['closed_at'] or ''}".strip()]
    if conversation.get("resolution"):
        parts.append(f"resolution: {conversation['resolution']}")
    parts.append(f"{messages} messages")
    if conversation.get("handoff_reason"):
        parts.append(f"handed to a person ({conversation['handoff_reason']})")
    if conversation.get("rating"):
        parts.append(f"rated {conversation['rating']}/5")
    return NoteRecord(conversation["id"], {
        "hs_timestamp": conversation["closed_at"] or conversation["created_at"],
        "hs_note_body": "; ".join(parts),
    }, contact_remote_id, subject_id)
