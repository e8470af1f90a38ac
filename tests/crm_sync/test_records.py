"""What a CRM gets: only customers who agreed to be identified; behaviour only while tracking is allowed."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_sync.records import BEHAVIOUR, contact_record, deal_record, may_sync, note_record


def view(**consent) -> dict:
    return {"consent": consent, "orders": 2, "lifetime_value_cents": 12345, "rfm": {"r": 5, "f": 2, "m": 1}, "visits": 7,
            "conversations": 1, "messages": 3, "last_seen": "2026-11-20T10:00:00+00:00", "preferred_language": "pl",
            "top_intents": ["order_status"], "satisfaction": 4.5}


def test_only_a_granted_identification_with_an_email_may_sync():
    assert may_sync(view(identification=True), "kim@example.com")
    assert not may_sync(view(identification=True), None)
    assert not may_sync(view(identification=False), "kim@example.com")
    assert not may_sync(view(), "kim@example.com")  # never asked: no


def test_contact_properties_and_cleared_behaviour_without_tracking():
    identity = {"email": "kim@example.com", "name": "Kim van Dijk", "phone": None}
    full = contact_record("id-1", view(identification=True, tracking=True), identity, ["vip", "repeat_customer"]).properties
    assert (full["firstname"], full["lastname"], full["phone"]) == ("Kim", "van Dijk", "")
    assert full["shopchat_segments"] == "repeat_customer;vip" and full["shopchat_lifetime_value"] == "123.45"
    assert full["shopchat_rfm"] == "521" and full["shopchat_visits"] == 7 and full["shopchat_top_intents"] == "order_status"
    bare = contact_record("id-1", view(identification=True, tracking=False), identity, []).properties
    assert all(bare[key] == "" for key in BEHAVIOUR) and bare["shopchat_orders"] == 2


def test_deals_and_notes():
    deal = deal_record("1002", "cancelled", 5990, "EUR", datetime(2026, 11, 1, tzinfo=UTC), contact_remote_id="7", subject_id="s")
    assert deal.properties["amount"] == "59.90" and deal.properties["dealstage"] == "closedlost" and deal.order_key == "1002"
    note = note_record({"id": "c1", "closed_at": "2026-11-02T10:00:00+00:00", "created_at": "x", "resolution": "resolved",
                        "handoff_reason": "complaint", "rating": 2}, 9, contact_remote_id="7", subject_id="s")
    assert note.properties["hs_note_body"] == ("Chat closed 2026-11-02T10:00:00+00:00; resolution: resolved; 9 messages; "
                                              "handed to a person (complaint); rated 2/5")
