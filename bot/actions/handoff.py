"""Handing the conversation to a person: a short text plus the server's handoff signal."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

# Reason codes the live-chat server understands; the payload is protocol, not text,
# so it is attached here rather than repeated in every language's response.
REASON_VISITOR_REQUEST = "visitor_request"
REASON_COMPLAINT = "complaint"
REASON_FALLBACK = "fallback"

HANDOFF_RESPONSES = {
    REASON_VISITOR_REQUEST: "utter_handoff_visitor_request",
    REASON_COMPLAINT: "utter_handoff_complaint",
    REASON_FALLBACK: "utter_handoff_fallback",
}

INTENT_REASONS = {
    "human_handoff": REASON_VISITOR_REQUEST,
    "complaint": REASON_COMPLAINT,
}


def handoff_payload(reason: str) -> dict[str, Any]:
    """The custom JSON the server reads to queue the conversation for an agent."""
    return {"handoff": {"reason": reason}}


def utter_handoff(dispatcher: CollectingDispatcher, reason: str) -> None:
    """Send the handoff text and signal as one bot message."""
    dispatcher.utter_message(
        response=HANDOFF_RESPONSES[reason], json_message=handoff_payload(reason)
    )


class ActionHandoff(Action):
    """Hand off on human_handoff (visitor_request) and complaint (complaint)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        utter_handoff(dispatcher, INTENT_REASONS.get(intent, REASON_VISITOR_REQUEST))
        return []


def back_from_agent_response(resolution: str | None, order_number: str | None) -> tuple[str, dict[str, str]]:
    """The welcome-back line: it names what the agent resolved, and the order if the chat was about one."""
    if resolution:
        words = resolution.replace("_", " ")
        if order_number:
            return "utter_back_from_agent_order", {"resolution": words, "order_number": order_number}
        return "utter_back_from_agent_resolved", {"resolution": words}
    return "utter_back_from_agent", {}


class ActionBackFromAgent(Action):
    """Greet the visitor back after a handback, carrying on from the slots the chat already has."""

    def name(self) -> str:
        return "action_back_from_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        response, values = back_from_agent_response(
            tracker.get_slot("agent_resolution"), tracker.get_slot("order_number")
        )
        dispatcher.utter_message(response=response, **values)
        return []
