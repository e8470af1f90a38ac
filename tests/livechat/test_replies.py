from bot.replies import handoff_reason, to_replies


def test_text_buttons_image_and_custom_become_chat_messages():
    replies = to_replies([
        {"recipient_id": "c", "text": "Hi!", "buttons": [{"title": "Track", "payload": "/order_status"}, {"bad": 1}]},
        {"recipient_id": "c", "image": "https://shop.example/i.png"},
        {"recipient_id": "c", "custom": {"handoff": {"reason": "complaint"}}},
        {"recipient_id": "c"},
        "garbage",
    ])
    assert [(r.text, r.payload) for r in replies] == [
        ("Hi!", {"type": "buttons", "buttons": [{"title": "Track", "payload": "/order_status"}]}),
        (None, {"type": "image", "url": "https://shop.example/i.png"}),
        (None, {"type": "custom", "data": {"handoff": {"reason": "complaint"}}}),
    ]
    assert handoff_reason(replies) == "complaint"


def test_no_handoff_without_the_custom_payload():
    assert handoff_reason(to_replies([{"text": "Order 1002 is on its way"}])) is None


def test_an_offer_from_a_bot_action_becomes_an_offer_card():
    card = {"type": "offer", "offer_id": "winback", "title": "We miss you", "text": "10% off: SAVE-1", "code": "SAVE-1",
            "cta": {"label": "Shop", "url": "/shop"}, "expires_at": "2026-12-01T00:00:00+00:00", "script": "<x>", "handoff": {"reason": "x"}}
    [reply] = to_replies([{"recipient_id": "c", "custom": card}])
    assert reply.text == "10% off: SAVE-1"
    assert reply.payload == {k: v for k, v in card.items() if k not in ("script", "handoff")}
    assert handoff_reason([reply]) is None
    assert to_replies([{"custom": {"type": "offer", "title": "no id"}}]) == []
