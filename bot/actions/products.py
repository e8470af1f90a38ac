"""Product availability: search the shop's catalog and say whether it is in stock."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .history import last_bot_response
from .livechat_api import LivechatApiError, search_products
from .settings import ApiSettings, load_settings

PRODUCT_ENTITY = "product"
ASK_PRODUCT_RESPONSE = "utter_ask_product"

# At or below this many pieces the answer says how many are left, nudging the decision.
LOW_STOCK_THRESHOLD = 3

Reply = tuple[str, dict[str, str]]


def product_reply(query: str, products: list[dict[str, Any]]) -> Reply:
    """Pick the response for the best match of `query` (the API sorts best first)."""
    if not products:
        return "utter_product_not_found", {"product": query}
    best = products[0]
    stock = best.get("stock")
    values = {
        "product": query,
        "product_name": str(best.get("name") or query),
        "sku": str(best.get("sku") or ""),
        "price": str(best.get("price") or ""),
        "currency": str(best.get("currency") or ""),
        "stock": str(stock) if stock is not None else "",
        "product_url": str(best.get("url") or ""),
    }
    if not best.get("in_stock"):
        return "utter_product_out_of_stock", values
    if isinstance(stock, int) and 0 < stock <= LOW_STOCK_THRESHOLD:
        return "utter_product_low_stock", values
    return "utter_product_in_stock", values


async def answer_product(
    dispatcher: CollectingDispatcher, settings: ApiSettings, query: str
) -> list[EventType]:
    """Search for `query` and utter availability; shared by product_availability and inform."""
    try:
        products = await search_products(settings, query)
    except LivechatApiError:
        dispatcher.utter_message(response="utter_api_unavailable")
        return []
    response, values = product_reply(query, products)
    dispatcher.utter_message(response=response, **values)
    return []


def asked_for_product(tracker: Tracker) -> bool:
    """Whether the bot's last message was "Which product are you looking for?"."""
    return last_bot_response(tracker) == ASK_PRODUCT_RESPONSE


def product_query(tracker: Tracker) -> str | None:
    """What to search the catalog for: the product entity (synonyms already mapped to
    catalog names), else the whole message if it answers "Which product?"."""
    value = next(tracker.get_latest_entity_values(PRODUCT_ENTITY), None)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if asked_for_product(tracker):
        # A product the NLU data does not name yet: the shop's search knows the catalog.
        text = (tracker.latest_message.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return None


class ActionCheckProduct(Action):
    """Answer product_availability for the product in the message, or ask which one."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        self._settings = settings or load_settings()

    def name(self) -> str:
        return "action_check_product"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        query = product_query(tracker)
        if query is None:
            dispatcher.utter_message(response=ASK_PRODUCT_RESPONSE)
            return []
        return await answer_product(dispatcher, self._settings, query)
