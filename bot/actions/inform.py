"""Answers to the bot's own questions: a bare order number or product name."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .orders import ORDER_NUMBER_ENTITY, answer_order, normalize_order_number
from .products import answer_product, product_query
from .settings import ApiSettings, load_settings


class ActionAnswerInform(Action):
    """Answer `inform`: an order number wins, then a product (named, or the reply to
    "Which product?"), else show what the bot can do."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        self._settings = settings or load_settings()

    def name(self) -> str:
        return "action_answer_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        entity_number = next(tracker.get_latest_entity_values(ORDER_NUMBER_ENTITY), None)
        number = normalize_order_number(entity_number)
        if number is not None:
            return await answer_order(dispatcher, self._settings, number, tracker.sender_id)

        product = product_query(tracker)
        if product is not None:
            return await answer_product(dispatcher, self._settings, product)

        dispatcher.utter_message(response="utter_help_options")
        return []
