"""The language detection worker process (see LanguageDetector.guess_soon).

Reads batches of texts as JSON lines on stdin and answers each with a JSON line of guesses, in order:
[language, confidence, words] or null. Says "ready" once its models are loaded; exits when stdin closes.

    python -m livechat.language_worker high
"""

from __future__ import annotations

import json
import sys

from livechat.language_detection import Guess, LanguageDetector


def _guess(detector: LanguageDetector, text: object) -> Guess | None:
    # One text the detector cannot take is no evidence; it must not take the others' guesses with it.
    try:
        return detector.guess(text) if isinstance(text, str) else None
    except Exception:  # noqa: BLE001
        return None


def main() -> None:
    detector = LanguageDetector(sys.argv[1] if len(sys.argv) > 1 else "high")
    detector.load_blocking()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        guesses = [_guess(detector, text) for text in json.loads(line)]
        out.write(json.dumps([[g.language, g.confidence, g.words] if g else None for g in guesses]) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
