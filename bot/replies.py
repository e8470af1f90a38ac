"""Rasa's REST-channel messages turned into chat messages (text, buttons, image, custom payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_BUTTONS = 10


@dataclass(frozen=True)
class BotReply:
    text: str | None
    payload: dict[str, Any] | None


def to_replies(rasa_messages: list[dict[str, Any]]) -> list[BotReply]:
    """One chat message per Rasa message; anything Rasa sends that we cannot show is dropped, not crashed on."""
    replies: list[BotReply] = []
    for item in rasa_messages:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else None
        payload: dict[str, Any] | None = None
        buttons = _buttons(item.get("buttons"))
        if buttons:
            payload = {"type": "buttons", "buttons": buttons}
        elif isinstance(item.get("image"), str):
            payload = {"type": "image", "url": item["image"]}
        elif isinstance(item.get("custom"), dict) and item["custom"].get("type") == "offer":
            payload = _offer_card(item["custom"])
            text = text or (payload or {}).get("text")
        elif isinstance(item.get("custom"), dict):
            payload = {"type": "custom", "data": item["custom"]}
        if text or payload:
            replies.append(BotReply(text=text, payload=payload))
    return replies


def handoff_reason(replies: list[BotReply]) -> str | None:
    """The reason of a handoff the bot asked for with a custom {"handoff": {"reason": ...}} payload."""
    for reply in replies:
        if reply.payload and reply.payload.get("type") == "custom":
            handoff = reply.payload["data"].get("handoff")
            if isinstance(handoff, dict):
                reason = handoff.get("reason")
                return reason if isinstance(reason, str) and reason else "bot_request"
    return None


OFFER_FIELDS = ("offer_id", "title", "text", "code", "expires_at")


def _offer_card(raw: dict[str, Any]) -> dict[str, Any] | None:
    """An offer card (docs/protocol.md OfferCard) from a bot action; only its known string fields pass."""
    card: dict[str, Any] = {"type": "offer"}
    card.update({k: raw[k] for k in OFFER_FIELDS if isinstance(raw.get(k), str)})
    cta = raw.get("cta")
    if isinstance(cta, dict) and isinstance(cta.get("label"), str) and isinstance(cta.get("url"), str):
        card["cta"] = {"label": cta["label"], "url": cta["url"]}
    return card if card.get("offer_id") else None


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    buttons = []
    for button in raw[:MAX_BUTTONS]:
        if isinstance(button, dict) and isinstance(button.get("title"), str) and isinstance(button.get("payload"), str):
            buttons.append({"title": button["title"], "payload": button["payload"]})
    return buttons
