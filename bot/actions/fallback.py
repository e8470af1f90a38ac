"""NLU fallback: ask to rephrase once, hand off to a person on the second miss in a row."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .handoff import REASON_FALLBACK, utter_handoff
from .products import answer_product, asked_for_product, product_query
from .settings import ApiSettings, load_settings

NLU_FALLBACK_INTENT = "nlu_fallback"


def previous_message_fell_back(events: list[dict[str, Any]]) -> bool:
    """Whether the user message before the latest one, in this session, was a fallback."""
    user_messages_seen = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "session_started":
            return False
        if kind != "user":
            continue
        user_messages_seen += 1
        if user_messages_seen == 2:
            intent = (event.get("parse_data") or {}).get("intent") or {}
            return intent.get("name") == NLU_FALLBACK_INTENT
    return False


class ActionNluFallback(Action):
    """Answer a message NLU could not classify confidently."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        self._settings = settings or load_settings()

    def name(self) -> str:
        return "action_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # Unknown words right after "Which product?" are most likely a product the
        # NLU data does not name yet.
        query = product_query(tracker) if asked_for_product(tracker) else None
        if query is not None:
            return await answer_product(dispatcher, self._settings, query)
        if previous_message_fell_back(tracker.events):
            utter_handoff(dispatcher, REASON_FALLBACK)
        else:
            dispatcher.utter_message(response="utter_default")
        return []
