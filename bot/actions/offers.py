"""A personal offer when the visitor asks for a discount: the live-chat server picks the offer that
fits this visitor's customer (its experiment may also hold them out), and the bot shows it as an
offer card; with none, the old general answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .settings import ApiSettings, load_settings

log = logging.getLogger(__name__)

NO_OFFER_RESPONSE = "utter_discount_request"


async def fetch_offer(settings: ApiSettings, conversation_id: str) -> dict[str, Any] | None:
    """The offer card for this conversation's visitor, or None (none fits, held out, or the API failed)."""
    headers = {"Accept": "application/json"}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.timeout_s), headers=headers) as session:
            async with session.post(settings.base_url + "/api/bot/offers", json={"conversation_id": conversation_id}) as response:
                if response.status != 200:
                    log.warning("offer lookup answered %s for %s", response.status, conversation_id)
                    return None
                body = await response.json(content_type=None)
    except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as exc:
        log.warning("offer lookup failed for %s: %s", conversation_id, exc)
        return None
    card = body.get("card") if isinstance(body, dict) else None
    return card if isinstance(card, dict) and card.get("type") == "offer" else None


class ActionOfferDiscount(Action):
    """Answer discount_request with the offer the server picks for this visitor."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        self._settings = settings or load_settings()

    def name(self) -> str:
        return "action_offer_discount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        card = await fetch_offer(self._settings, tracker.sender_id)
        if card is None:
            dispatcher.utter_message(response=NO_OFFER_RESPONSE)
        else:
            dispatcher.utter_message(json_message=card)
        return []
