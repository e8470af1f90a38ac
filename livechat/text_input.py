"""Validating what visitors and agents type: size limits and text a database can store."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from livechat.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

# Lone UTF-16 surrogates arrive from broken clients' JSON; PostgreSQL cannot store them, nor NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any, depth: int = 0) -> Any:
    """The same JSON value with NUL and lone surrogates (which PostgreSQL cannot store) replaced by U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if depth > 64:
        raise InvalidInput("The JSON is nested too deeply.")
    if isinstance(value, dict):
        return {storable(k, depth + 1): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    return value


def parse(model: type[M], data: Any) -> M:
    """Validate an event or request body; InvalidInput naming the bad fields otherwise."""
    if not isinstance(data, dict):
        raise InvalidInput("Expected a JSON object.")
    try:
        return model.model_validate(storable(data))
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise InvalidInput(f"Invalid or missing fields: {', '.join(fields)}.", fields=fields) from None


def clean_text(text: str, *, max_chars: int) -> str:
    """Text fit to store and show; a clear error when it is empty or too long."""
    text = _UNSTORABLE.sub("\ufffd", text).strip()
    if not text:
        raise InvalidInput("The message is empty.", code="empty_text")
    if len(text) > max_chars:
        raise InvalidInput(f"The message is longer than {max_chars} characters.", code="text_too_long", max_chars=max_chars)
    return text
