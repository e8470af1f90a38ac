"""The language a visitor writes in, detected from their own text, for the bot, the console and routing.

Short chat messages are weak evidence ("ok", "hola" and "سلام" belong to several languages), so a
conversation changes language only on clear evidence: three words or more, a very confident guess, or
a script its current language is not written in (Cyrillic in an English chat). Otherwise it keeps the
language it has, which starts as the page's.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the worker process imports this module and needs none of the database's
    from livechat.db.models import Conversation
    from livechat.transaction import Tx

log = logging.getLogger(__name__)

# The languages the bot and the widget speak (bot/domain.yml, widgets/src/i18n).
SUPPORTED = ("en", "pl", "es", "ru", "ar", "fa")
SCRIPT = {"en": "latin", "pl": "latin", "es": "latin", "ru": "cyrillic", "ar": "arabic", "fa": "arabic"}
MIN_WORDS = 3
SURE = 0.9
WORKER_START_S = 120  # loading the high-accuracy models takes a few seconds, much more on a busy machine
WORKER_ANSWER_S = 5  # a batch takes milliseconds; a worker this late is stuck, and replaced
WORKER_LINE_LIMIT = 2**24

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
    """Guesses the language of a message among SUPPORTED.

    `guess` runs lingua right here (after `load_blocking()`). The chat path uses `guess_soon` (after
    `load()`): a guess costs ~55-130 us of CPU by the text's length (about what the socket layer spends
    on a whole message), and lingua holds the GIL while it works, so the guesses run in a worker process
    (livechat.language_worker) over a pipe, one batch at a time: the texts asked for while it works on
    one go together as the next. The models (~200 MB) live in the worker only. A worker that dies or
    stalls is replaced; the messages whose guesses it took with it count as no evidence, so their
    conversations keep their language.
    """

    def __init__(self, accuracy: Accuracy = "high") -> None:
        self._accuracy = accuracy
        self._detector = None
        self._worker: asyncio.subprocess.Process | None = None
        self._starting: asyncio.Task[None] | None = None
        self._pending: list[tuple[str, asyncio.Future[Guess | None]]] = []
        self._in_flight: asyncio.Task[None] | None = None  # the batch in the worker; the next gathers meanwhile

    async def load(self) -> None:
        """Start the worker process and wait until its models are loaded."""
        if self._worker is not None:
            return
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "livechat.language_worker", self._accuracy,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=WORKER_LINE_LIMIT,
        )
        try:
            async with asyncio.timeout(WORKER_START_S):
                ready = await worker.stdout.readline()
            if ready != b"ready\n":
                raise RuntimeError(f"the language detection worker did not start (it said {ready[:200]!r})")
        except BaseException:
            await _stop(worker)
            raise
        self._worker = worker

    def load_blocking(self) -> None:
        if self._detector is None:
            self._detector = _lingua(self._accuracy)

    async def guess_soon(self, text: str) -> Guess | None:
        """The guess for `text`, from the worker process, together with the others asked for meanwhile."""
        future = self.ask(text)
        return await future if future is not None else None

    def ask(self, text: str) -> asyncio.Future[Guess | None] | None:
        """Ask for the guess for `text` and go on; the future never fails (no guess is None). None: nothing to ask."""
        if self._worker is None or not _WORD.search(text or ""):
            return None
        future: asyncio.Future[Guess | None] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if self._in_flight is None:
            self._hand_off()
        return future

    def _hand_off(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            self._in_flight = asyncio.get_running_loop().create_task(self._ask(batch), name="language-guesses")

    async def _ask(self, batch: list[tuple[str, asyncio.Future[Guess | None]]]) -> None:
        guesses: list[Guess | None] | None = None
        try:
            worker = self._worker
            if worker is not None:
                worker.stdin.write(json.dumps([text for text, _ in batch]).encode() + b"\n")
                async with asyncio.timeout(WORKER_ANSWER_S):
                    line = await worker.stdout.readline()
                if not line:
                    raise ConnectionError("it exited")
                guesses = [Guess(*g) if g else None for g in json.loads(line)]
        except (ConnectionError, OSError, TimeoutError, ValueError, TypeError) as exc:
            self._replace_worker(exc)
        finally:
            _settle(batch, guesses)
            self._in_flight = None
            # What was asked for while this batch was out goes next, together.
            self._hand_off()

    def _replace_worker(self, reason: Exception) -> None:
        broken, self._worker = self._worker, None
        if broken is None or (self._starting is not None and not self._starting.done()):
            return
        log.warning("the language detection worker failed (%s); starting another, until then messages keep their "
                    "conversation's language", str(reason) or type(reason).__name__)
        self._starting = asyncio.get_running_loop().create_task(self._restart(broken), name="language-worker-restart")

    async def _restart(self, broken: asyncio.subprocess.Process) -> None:
        await _stop(broken)
        try:
            await self.load()
        except Exception:  # noqa: BLE001 - detection is an aid: chat goes on without it, the next failure tries again
            log.exception("could not start the language detection worker; messages keep their conversation's language")

    async def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
        worker, self._worker = self._worker, None
        if worker is not None:
            await _stop(worker)

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid if self._worker is not None else None

    def guess(self, text: str) -> Guess | None:
        words = len(_WORD.findall(text or ""))
        if self._detector is None or words == 0:
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None
        best = values[0]
        return Guess(best.language.iso_code_639_1.name.lower(), float(best.value), words)


async def _stop(worker: asyncio.subprocess.Process) -> None:
    """Close the worker's stdin (it exits), and kill it if it has not within a moment."""
    if worker.returncode is None:
        try:
            worker.stdin.close()
            async with asyncio.timeout(2):
                await worker.wait()
        except (TimeoutError, OSError):
            worker.kill()
            await worker.wait()


def _settle(batch: list[tuple[str, asyncio.Future[Guess | None]]], guesses: list[Guess | None] | None) -> None:
    # No guesses (the worker failed) is no evidence: the conversation keeps its language, the message goes on.
    guesses = guesses if guesses is not None else [None] * len(batch)
    for (_text, future), guess in zip(batch, guesses, strict=True):
        if not future.done():
            future.set_result(guess)


def follow_language(tx: Tx, conv: Conversation, guess: Guess | None) -> None:
    """Switch the locked conversation to the visitor's language when the guess is clear enough."""
    from livechat.interaction_log import record

    language = decide(guess, conv.language)
    if language is None:
        return
    previous, conv.language = conv.language, language
    record(tx, "conversation.language_changed", visitor_id=conv.visitor_id, conversation_id=conv.id,
           data={"from": previous, "language": language})


def language_follower(guess: Guess | None | asyncio.Future[Guess | None]):
    """The message writer's `after` hook for a visitor's message with this guess (or the future of one,
    given to the writer as `ready` too, so it is settled when the hook runs)."""

    def after(tx: Tx, conv: Conversation, _message) -> None:
        follow_language(tx, conv, guess.result() if isinstance(guess, asyncio.Future) else guess)
    return after

