"""When a conversation follows the language its visitor writes in, and when it keeps its own."""

import asyncio
import os
import signal

import pytest

from livechat.language_detection import Guess, LanguageDetector, decide


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    languages = LanguageDetector("high")
    languages.load_blocking()
    return languages


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order, I ordered last week", "en"),
        ("gdzie jest moje zamowienie, zamawialam w poniedzialek", "pl"),
        ("hola, donde esta mi pedido por favor", "es"),
        ("здравствуйте, где мой заказ?", "ru"),
        ("مرحبا، وين طلبي؟ صار لي أسبوع أنتظر", "ar"),
        ("سلام، سفارش من کجاست؟ یک هفته است منتظرم", "fa"),
    ],
)
def test_a_sentence_in_each_language_is_recognized(detector, text, language):
    guess = detector.guess(text)
    assert guess is not None and guess.language == language
    assert decide(guess, "en" if language != "en" else "pl") == language


def test_numbers_emoji_and_punctuation_are_no_evidence(detector):
    assert detector.guess("1002") is None
    assert detector.guess("👍 !!") is None
    assert detector.guess("#1002 ?") is None


def test_a_long_message_switches_the_conversation():
    assert decide(Guess("es", 0.55, words=4), "en") == "es"


def test_a_short_ambiguous_word_keeps_the_language_of_the_conversation():
    # "ok" reads as Polish to the detector; an English chat must not turn Polish over it.
    assert decide(Guess("pl", 0.77, words=1), "en") is None
    # "سلام" is Arabic and Persian alike.
    assert decide(Guess("fa", 0.55, words=1), "ar") is None


def test_a_short_word_in_another_script_switches():
    assert decide(Guess("ru", 0.6, words=1), "en") == "ru"
    assert decide(Guess("ar", 0.6, words=1), "pl") == "ar"


def test_a_confident_short_message_switches():
    assert decide(Guess("pl", 0.99, words=1), "en") == "pl"


def test_the_same_language_is_no_change_and_regional_tags_count_as_their_language():
    assert decide(Guess("pl", 1.0, words=5), "pl") is None
    assert decide(Guess("pl", 1.0, words=5), "pl-PL") is None
    assert decide(None, "en") is None


def test_without_a_current_language_any_guess_is_taken():
    assert decide(Guess("es", 0.5, words=1), None) == "es"


def test_a_detector_not_loaded_yet_guesses_nothing():
    assert LanguageDetector("low").guess("where is my order please") is None


@pytest.fixture
async def worker():
    languages = LanguageDetector("low")
    await languages.load()
    yield languages
    await languages.close()


async def test_messages_arriving_together_are_guessed_in_the_worker_process_each_on_its_own(worker):
    texts = ["where is my order, I ordered last week", "здравствуйте, где мой заказ?", "1002",
             "hola, donde esta mi pedido por favor", "gdzie jest moje zamowienie, zamawialam w poniedzialek"]
    guesses = await asyncio.gather(*(worker.guess_soon(text) for text in texts))
    assert [g.language if g else None for g in guesses] == ["en", "ru", None, "es", "pl"]
    # The models live in the worker, not in the server's process.
    assert worker.guess("where is my order please") is None
    assert (await worker.guess_soon("سلام، سفارش من کجاست؟ یک هفته است منتظرم")).language == "fa"


async def test_a_text_the_detector_cannot_take_is_no_evidence_and_costs_the_others_nothing(worker):
    pid = worker.worker_pid
    guesses = await asyncio.gather(worker.guess_soon("\ud800 where is my order please"), worker.guess_soon("where is my order, I ordered last week"))
    assert guesses[0] is None and guesses[1].language == "en"
    assert worker.worker_pid == pid


async def test_a_worker_that_dies_is_replaced_and_meanwhile_messages_are_no_evidence(worker):
    pid = worker.worker_pid
    os.kill(pid, signal.SIGKILL)
    # The guesses the dead worker had (or that find it dead) are no evidence: the conversation keeps its language.
    assert await worker.guess_soon("where is my order, I ordered last week") is None
    async with asyncio.timeout(30):
        while (guess := await worker.guess_soon("where is my order, I ordered last week")) is None:
            await asyncio.sleep(0.1)
    assert guess.language == "en"
    assert worker.worker_pid not in (None, pid)


async def test_a_detector_not_loaded_yet_guesses_nothing_on_the_chat_path_either():
    assert await LanguageDetector("low").guess_soon("where is my order please") is None
