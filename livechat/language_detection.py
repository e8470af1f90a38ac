"""The language a visitor writes in, detected from their own text, for the bot, the console and routing.

Short chat messages are weak evidence ("ok", "hola" and "سلام" belong to several languages), so a
conversation changes language only on clear evidence: three words or more, a very confident guess, or
a script its current language is not written in (Cyrillic in an English chat). Otherwise it keeps the
language it has, which starts as the page's.
"""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass
from typing import Literal

from livechat.db.models import Conversation
from livechat.interaction_log import record
from livechat.transaction import Tx

# The languages the bot and the widget speak (bot/domain.yml, widgets/src/i18n).
SUPPORTED = ("en", "pl", "es", "ru", "ar", "fa")
SCRIPT = {"en": "latin", "pl": "latin", "es": "latin", "ru": "cyrillic", "ar": "arabic", "fa": "arabic"}
MIN_WORDS = 3
SURE = 0.9

Accuracy = Literal["high", "low"]
# A word has at least one letter: order numbers, emoji and punctuation are no evidence.
_WORD = re.compile(r"\S*[^\W\d_]\S*")


@dataclass(frozen=True)
class Guess:
    language: str
    confidence: float
    words: int


def decide(guess: Guess | None, current: str | None) -> str | None:
    """The conversation's new language, or None to keep `current`."""
    if guess is None or guess.language == _base(current):
        return None
    if guess.words >= MIN_WORDS or guess.confidence >= SURE:
        return guess.language
    # One or two words in another script are enough: an English answer to "привет" helps nobody.
    if current is None or SCRIPT.get(_base(current) or "") != SCRIPT[guess.language]:
        return guess.language
    return None


def _base(language: str | None) -> str | None:
    return language.split("-", 1)[0].lower() if language else None


@functools.cache
def _lingua(accuracy: Accuracy):
    # Imported here: the models take a second and ~200 MB (high accuracy), paid once per process.
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models()
    if accuracy == "low":
        builder = builder.with_low_accuracy_mode()
    return builder.build()


class LanguageDetector:
    """Guesses the language of a message among SUPPORTED; `load()` once before use (off the event loop)."""

    def __init__(self, accuracy: Accuracy = "high") -> None:
        self._accuracy = accuracy
        self._detector = None

    async def load(self) -> None:
        if self._detector is None:
            self._detector = await asyncio.to_thread(_lingua, self._accuracy)

    def load_blocking(self) -> None:
        if self._detector is None:
            self._detector = _lingua(self._accuracy)

    def guess(self, text: str) -> Guess | None:
        words = len(_WORD.findall(text or ""))
        if self._detector is None or words == 0:
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None
        best = values[0]
        return Guess(best.language.iso_code_639_1.name.lower(), float(best.value), words)


def follow_language(tx: Tx, conv: Conversation, guess: Guess | None) -> None:
    """Switch the locked conversation to the visitor's language when the guess is clear enough."""
    language = decide(guess, conv.language)
    if language is None:
        return
    previous, conv.language = conv.language, language
    record(tx, "conversation.language_changed", visitor_id=conv.visitor_id, conversation_id=conv.id,
           data={"from": previous, "language": language})


def language_follower(guess: Guess | None):
    """The message writer's `after` hook for a visitor's message with this guess."""

    def after(tx: Tx, conv: Conversation, _message) -> None:
        follow_language(tx, conv, guess)
    return after

