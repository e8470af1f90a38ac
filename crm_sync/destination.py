"""What a sync destination is: the records it takes, and the two ways a call can fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class TransientError(Exception):
    """Worth retrying later: 5xx, timeouts, rate limits that outlasted our patience, malformed replies."""


class PermanentError(Exception):
    """Retrying will not help (a 4xx such as bad credentials): straight to the dead-letter list."""


@dataclass(frozen=True)
class ContactRecord:
    subject_id: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class DealRecord:
    order_key: str
    properties: dict[str, Any]
    contact_remote_id: str | None = None
    subject_id: str | None = None


@dataclass(frozen=True)
class NoteRecord:
    note_key: str
    properties: dict[str, Any]
    contact_remote_id: str | None = None
    subject_id: str | None = None


class Destination(Protocol):
    """A CRM (or a webhook receiver, or a file). Upserts are idempotent by the record's own key."""

    name: str

    async def upsert_contacts(self, records: list[ContactRecord]) -> dict[str, str]:
        """Returns the destination's ids by subject id (empty where it has none of its own)."""

    async def delete_contacts(self, remote_ids: dict[str, str | None]) -> None:
        """Delete contacts: subject id -> the destination's id where known."""

    async def upsert_deals(self, records: list[DealRecord]) -> None: ...

    async def upsert_notes(self, records: list[NoteRecord]) -> None: ...
