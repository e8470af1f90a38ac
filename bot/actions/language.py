"""Fill the `language` slot from the metadata the live-chat server sends per message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGE_SLOT = "language"
SUPPORTED_LANGUAGES = frozenset({"en", "pl", "es", "ru", "ar", "fa"})


def normalize_language(raw: Any) -> str | None:
    """"pl-PL" -> "pl"; None for anything the domain has no responses for."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in SUPPORTED_LANGUAGES else None


class ActionExtractLanguage(Action):
    """Custom slot mapping of `language`; Rasa runs it after every user message."""

    def name(self) -> str:
        return "action_extract_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        metadata = tracker.latest_message.get("metadata") or {}
        language = normalize_language(metadata.get("language"))
        # No or unknown language keeps the current value (initially "en").
        if language is None or language == tracker.get_slot(LANGUAGE_SLOT):
            return []
        return [SlotSet(LANGUAGE_SLOT, language)]
