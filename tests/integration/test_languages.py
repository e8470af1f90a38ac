"""A visitor who writes in Polish, Spanish, Russian, Arabic or Persian is understood and answered in that
language by the real bot, whatever the page's language; the conversation keeps the language, shows it to
agents and is routed by it."""

from __future__ import annotations

import pytest

from livechat.language_detection import LanguageDetector
from tests.integration.test_handoff import profile_of
from tests.support.agent import AgentClient, add_agent
from tests.support.orders import own_order
from tests.support.visitor import Visitor

pytestmark = pytest.mark.rasa

ORDER_QUESTION = {
    "pl": "hej, gdzie jest moje zamowienie 1002?",
    "es": "hola, dónde está mi pedido 1002?",
    "ru": "здравствуйте, где мой заказ 1002?",
    "ar": "مرحبا، وين طلبي رقم 1002؟",
    "fa": "سلام، سفارش ۱۰۰۲ من کجاست؟",
}


@pytest.fixture(scope="module")
def languages() -> LanguageDetector:
    detector = LanguageDetector("high")
    detector.load_blocking()
    return detector


def language_of(languages: LanguageDetector, text: str) -> str | None:
    guess = languages.guess(text)
    return guess.language if guess else None


async def conversation(visitor: Visitor) -> dict:
    ack = await visitor.call("sync", {})
    assert ack["ok"], ack
    return ack["conversation"]


@pytest.mark.parametrize("language", sorted(ORDER_QUESTION))
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_order_question_is_answered_in_the_visitors_language(backend, make_node, rasa, languages, language):
    node = await make_node(backend, rasa_url=rasa.rasa_url)
    # The shop page is English: the visitor's own words decide.
    visitor = await Visitor.start(node.base_url, language="en")
    await own_order(backend.database_url, visitor, "1002")
    asked = await visitor.say(ORDER_QUESTION[language])
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert "1002" in answer["text"] and "DHL" in answer["text"], answer
    assert language_of(languages, answer["text"]) == language, answer["text"]
    assert (await conversation(visitor))["language"] == language


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_bot_follows_a_switch_of_language_and_short_words_do_not_switch_it(backend, make_node, rasa, languages):
    node = await make_node(backend, rasa_url=rasa.rasa_url)
    visitor = await Visitor.start(node.base_url, language="en")

    asked = await visitor.say("jakie formy płatności akceptujecie?")
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert "PayPal" in answer["text"] and language_of(languages, answer["text"]) == "pl", answer["text"]

    # "ok" reads as several languages: the chat stays Polish.
    asked = await visitor.say("ok")
    await visitor.wait_for_reply_after(asked["seq"])
    assert (await conversation(visitor))["language"] == "pl"

    asked = await visitor.say("perdón, prefiero escribir en español: cuánto tarda el envío?")
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert language_of(languages, answer["text"]) == "es", answer["text"]
    assert (await conversation(visitor))["language"] == "es"

    asked = await visitor.say("sorry, back to English: how long does shipping take?")
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert language_of(languages, answer["text"]) == "en", answer["text"]

    # Every switch is in the interaction log, so the profile knows which languages the visitor writes.
    profile = await profile_of(backend.database_url, visitor.visitor_id)
    assert set(profile["tally"]["languages"]) >= {"pl", "es", "en"}


@pytest.mark.parametrize("backend", ["postgres+redis"], indirect=True)
async def test_a_visitor_who_writes_persian_is_routed_to_an_agent_who_speaks_it(backend, make_node, rasa, languages):
    node = await make_node(backend, rasa_url=rasa.rasa_url)
    await add_agent(backend.database_url, "sam@shop.test", languages=["en"])
    await add_agent(backend.database_url, "dara@shop.test", languages=["fa", "en"])
    sam = await AgentClient.login(node.base_url, "sam@shop.test")
    dara = await AgentClient.login(node.base_url, "dara@shop.test")

    visitor = await Visitor.start(node.base_url, language="en")
    asked = await visitor.say("سلام، لطفا من را به یک اپراتور وصل کنید، می‌خواهم با یک آدم صحبت کنم")
    answer = await visitor.wait_for_reply_after(asked["seq"])
    assert language_of(languages, answer["text"]) == "fa", answer["text"]
    assert await dara.wait_for_assignment() == asked["conversation_id"]
    assert not [n for n in sam.of("notification") if n["kind"] == "assigned"]

    # The console's list shows the conversation's language.
    status, body = await dara.rest("GET", "/api/agent/conversations?view=mine")
    assert status == 200
    [mine] = [c for c in body["conversations"] if c["id"] == asked["conversation_id"]]
    assert mine["language"] == "fa"
