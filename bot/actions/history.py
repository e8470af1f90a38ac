"""Questions about what already happened in the conversation."""

from __future__ import annotations

from rasa_sdk import Tracker


def last_bot_response(tracker: Tracker) -> str | None:
    """Name of the response the bot uttered last (e.g. "utter_ask_product"), if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None
