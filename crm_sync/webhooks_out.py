"""Outgoing signed webhooks: any CRM (or middleware) can receive what we would send HubSpot.

Each delivery is a POST of JSON {"id", "type", "created_at", "records"} with headers
`X-Shopchat-Delivery` (the id, stable across retries: receivers drop repeats) and
`X-Shopchat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Receivers check
the signature and refuse timestamps older than a few minutes (`verify`), so a captured delivery
cannot be replayed later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import aiohttp

from crm_sync.destination import ContactRecord, DealRecord, NoteRecord, PermanentError, TransientError

SIGNATURE_HEADER = "X-Shopchat-Signature"
DELIVERY_HEADER = "X-Shopchat-Delivery"
TOLERANCE_S = 300
# Delivery ids are derived from the records, so a batch sent again after a crash has the same id.
DELIVERY_NAMESPACE = uuid.UUID("0b6a1f36-61e3-4c38-9d56-3a7f0e0c2b51")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str | None, body: bytes, *, now_s: float | None = None, tolerance_s: int = TOLERANCE_S) -> bool:
    """For receivers: the signature matches the body and the timestamp is recent."""
    if not header:
        return False
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now_s if now_s is not None else time.time()) - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class WebhookDestination:
    name = "webhook"

    def __init__(self, http: aiohttp.ClientSession, url: str, secret: str, *, timeout_s: float = 30.0) -> None:
        self._http, self._url, self._secret = http, url, secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def deliver(self, type_: str, records: list[dict[str, Any]]) -> None:
        key = json.dumps([type_, records], sort_keys=True, default=str)
        delivery = str(uuid.uuid5(DELIVERY_NAMESPACE, hashlib.sha256(key.encode()).hexdigest()))
        body = json.dumps({"id": delivery, "type": type_, "created_at": int(time.time()), "records": records}, default=str).encode()
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery,
                   SIGNATURE_HEADER: signature(self._secret, int(time.time()), body)}
        try:
            async with self._http.post(self._url, data=body, headers=headers, timeout=self._timeout) as response:
                if response.status >= 500 or response.status == 429:
                    raise TransientError(f"webhook receiver answered {response.status}")
                if response.status >= 400:
                    raise PermanentError(f"webhook receiver refused the delivery with {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientError(f"webhook receiver unreachable: {exc!r}") from exc

    async def upsert_contacts(self, records: list[ContactRecord]) -> dict[str, str]:
        if records:
            await self.deliver("contacts.upserted", [{"id": r.subject_id, "properties": r.properties} for r in records])
        return {}

    async def delete_contacts(self, remote_ids: dict[str, str | None]) -> None:
        if remote_ids:
            await self.deliver("contacts.deleted", [{"id": subject_id} for subject_id in remote_ids])

    async def upsert_deals(self, records: list[DealRecord]) -> None:
        if records:
            await self.deliver("deals.upserted", [{"id": r.order_key, "contact_id": r.subject_id, "properties": r.properties} for r in records])

    async def upsert_notes(self, records: list[NoteRecord]) -> None:
        if records:
            await self.deliver("notes.upserted", [{"id": r.note_key, "contact_id": r.subject_id, "properties": r.properties} for r in records])
