"""Order status: look the order up in the shop and answer per status."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .livechat_api import LivechatApiError, OrderNotFound, fetch_order
from .settings import ApiSettings, load_settings

ORDER_NUMBER_SLOT = "order_number"
ORDER_NUMBER_ENTITY = "order_number"

# Bounded so a pasted phone number or card number is not sent to the API as-is.
_ORDER_NUMBER_RE = re.compile(r"[0-9]{1,12}")
# Arabic and Persian visitors often type their own digits: "۱۰۰۲" and "١٠٠٢" are order 1002.
_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

STATUS_RESPONSES = {
    "pending": "utter_order_pending",
    "paid": "utter_order_paid",
    "processing": "utter_order_processing",
    "delivered": "utter_order_delivered",
    "cancelled": "utter_order_cancelled",
    "refunded": "utter_order_refunded",
}

# The responses that show the order's amount, and what says the same without it.
AMOUNT_RESPONSES = {
    "utter_order_paid": "utter_order_paid_private",
    "utter_order_refunded": "utter_order_refunded_private",
}

Reply = tuple[str, dict[str, str]]


def normalize_order_number(raw: Any) -> str | None:
    """Return the digits of an order number as typed ("#1002", "№ 1002", " 1002 ", "۱۰۰۲"), or None."""
    if not isinstance(raw, str):
        return None
    candidate = raw.strip().lstrip("#№").replace(" ", "").translate(_WESTERN_DIGITS)
    return candidate if _ORDER_NUMBER_RE.fullmatch(candidate) else None


def order_replies(order: dict[str, Any]) -> list[Reply]:
    """Map an API order to the responses (and their template values) that answer it.

    An asker who is not the order's customer gets no amounts and no tracking (the API withholds them):
    the status, and where to get the rest."""
    values = {
        "order_number": str(order.get("number", "")),
        "status": str(order.get("status", "")),
        "total": str(order.get("total") or ""),
        "currency": str(order.get("currency") or ""),
        "placed_at": _date_part(order.get("placed_at")),
        "updated_at": _date_part(order.get("updated_at")),
        "carrier": str(order.get("carrier") or ""),
        "tracking_number": str(order.get("tracking_number") or ""),
        "estimated_delivery": _date_part(order.get("estimated_delivery")),
    }
    status = values["status"]
    withheld = set(order.get("withheld") or ())
    # Where the rest is: the customer's account, or for a guest order its confirmation email.
    elsewhere = ("utter_order_details_guest" if order.get("placed_as_guest") else "utter_order_details_private", values)
    if status == "shipped":
        has_tracking = values["carrier"] and values["tracking_number"]
        replies = [
            ("utter_order_shipped_tracking" if has_tracking else "utter_order_shipped", values)
        ]
        if values["estimated_delivery"]:
            replies.append(("utter_order_estimated_delivery", values))
        if "tracking_number" in withheld:
            replies.append(elsewhere)
        return replies
    response = STATUS_RESPONSES.get(status, "utter_order_status_other")
    if response not in AMOUNT_RESPONSES or values["total"]:
        return [(response, values)]
    replies = [(AMOUNT_RESPONSES[response], values)]
    if "total" in withheld:
        replies.append(elsewhere)
    return replies


def _date_part(value: Any) -> str:
    """"2026-11-24T10:00:00+00:00" -> "2026-11-24"; responses show dates, not times."""
    return value[:10] if isinstance(value, str) else ""


async def answer_order(
    dispatcher: CollectingDispatcher, settings: ApiSettings, number: str, sender_id: str | None
) -> list[EventType]:
    """Look up `number` as the conversation `sender_id` may see it and utter its status; shared by order_status and inform."""
    try:
        order = await fetch_order(settings, number, sender_id)
    except OrderNotFound:
        dispatcher.utter_message(response="utter_order_not_found", order_number=number)
        # Forget it, so the next "where is my order?" asks instead of repeating this.
        return [SlotSet(ORDER_NUMBER_SLOT, None)]
    except LivechatApiError:
        dispatcher.utter_message(response="utter_api_unavailable")
        return []
    for response, values in order_replies(order):
        dispatcher.utter_message(response=response, **values)
    return [SlotSet(ORDER_NUMBER_SLOT, number)]


class ActionCheckOrder(Action):
    """Answer order_status: from the number in the message or remembered, else ask."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        self._settings = settings or load_settings()

    def name(self) -> str:
        return "action_check_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # The slot already holds this message's order_number entity, if it had one.
        raw = tracker.get_slot(ORDER_NUMBER_SLOT)
        number = normalize_order_number(raw)
        if number is None:
            if raw:
                dispatcher.utter_message(response="utter_order_number_invalid")
                return [SlotSet(ORDER_NUMBER_SLOT, None)]
            dispatcher.utter_message(response="utter_ask_order_number")
            return []
        return await answer_order(dispatcher, self._settings, number, tracker.sender_id)
