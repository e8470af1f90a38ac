"""What the server itself says in a chat, per language (English is the fallback)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "bot_unavailable": {
        "en": "Our assistant isn't available right now, so we've passed your conversation to our team. A person will reply here.",
    },
    "handoff_queued": {
        "en": "I'm connecting you with a person from our team. Please stay here, they will reply in this chat.",
    },
}


def system_text(key: str, language: str | None) -> str:
    variants = TEXTS[key]
    base = (language or "en").split("-")[0]
    return variants.get(base, variants["en"])
