"""A HubSpot-style CRM over REST (CRM v3): contacts, deals and notes upserted in batches by our own ids.

Every object is keyed by a unique custom property holding our stable id (`shopchat_id` for contacts,
`shopchat_order_id` for deals, `shopchat_note_id` for notes), so sending a record again updates it
instead of creating a second one: that and the sync cursor give exactly-once records in the CRM.
Contacts carry no email as their key, so erasure can delete them after the email is gone here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from crm_sync.destination import ContactRecord, DealRecord, NoteRecord, PermanentError, TransientError

log = logging.getLogger(__name__)

CONTACT_ID = "shopchat_id"
DEAL_ID = "shopchat_order_id"
NOTE_ID = "shopchat_note_id"
# HubSpot-defined association types: deal to contact, note to contact.
DEAL_TO_CONTACT = 3
NOTE_TO_CONTACT = 202
MAX_RATE_LIMIT_WAITS = 5
MAX_RETRY_AFTER_S = 60.0


class HubSpot:
    name = "hubspot"

    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str, *, timeout_s: float = 30.0) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        """One API call. 429s wait as Retry-After says (a few times); 5xx, timeouts and malformed replies
        raise TransientError (the job retries with backoff); other 4xx raise PermanentError."""
        data = json.dumps(body).encode() if body is not None else None
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            try:
                async with self._http.request(method, self._base + path, data=data, headers=self._headers, timeout=self._timeout) as response:
                    text = await response.text()
                    if response.status == 429:
                        wait_s = _retry_after(response.headers.get("Retry-After"))
                        log.info("CRM rate limit on %s %s, waiting %.1f s", method, path, wait_s)
                        await asyncio.sleep(wait_s)
                        continue
                    if response.status >= 500:
                        raise TransientError(f"CRM answered {response.status} on {method} {path}")
                    if response.status >= 400:
                        raise PermanentError(f"CRM refused {method} {path} with {response.status}: {text[:300]}")
                    if response.status == 204 or not text:
                        return None
                    try:
                        return json.loads(text)
                    except json.JSONDecodeError:
                        raise TransientError(f"CRM sent a malformed reply to {method} {path}") from None
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise TransientError(f"CRM unreachable on {method} {path}: {exc!r}") from exc
        raise TransientError(f"CRM kept rate-limiting {method} {path}")

    async def _upsert(self, object_type: str, inputs: list[dict[str, Any]]) -> dict[str, str]:
        reply = await self._call("POST", f"/crm/v3/objects/{object_type}/batch/upsert", {"inputs": inputs})
        results = reply.get("results") if isinstance(reply, dict) else None
        if not isinstance(results, list) or len(results) != len(inputs):
            raise TransientError(f"CRM reply to the {object_type} upsert lists {len(results or [])} of {len(inputs)} records")
        remote: dict[str, str] = {}
        key = inputs[0]["idProperty"]
        for result in results:
            try:
                remote[str(result["properties"][key])] = str(result["id"])
            except (KeyError, TypeError):
                raise TransientError(f"CRM reply to the {object_type} upsert lacks ids") from None
        missing = {i["id"] for i in inputs} - remote.keys()
        if missing:
            raise TransientError(f"CRM reply to the {object_type} upsert misses {len(missing)} records")
        return remote

    async def upsert_contacts(self, records: list[ContactRecord]) -> dict[str, str]:
        if not records:
            return {}
        return await self._upsert("contacts", [
            {"id": r.subject_id, "idProperty": CONTACT_ID, "properties": r.properties} for r in records
        ])

    async def delete_contacts(self, remote_ids: dict[str, str | None]) -> None:
        """Archive contacts: by the CRM's id where we know it, else by our id property."""
        known = [{"id": rid} for rid in remote_ids.values() if rid]
        if known:
            await self._call("POST", "/crm/v3/objects/contacts/batch/archive", {"inputs": known})
        for subject_id, rid in remote_ids.items():
            if not rid:
                await self._call("DELETE", f"/crm/v3/objects/contacts/{subject_id}?idProperty={CONTACT_ID}")

    async def upsert_deals(self, records: list[DealRecord]) -> None:
        if records:
            await self._upsert("deals", [{
                "id": r.order_key, "idProperty": DEAL_ID, "properties": r.properties,
                "associations": [_association(r.contact_remote_id, DEAL_TO_CONTACT)] if r.contact_remote_id else [],
            } for r in records])

    async def upsert_notes(self, records: list[NoteRecord]) -> None:
        if records:
            await self._upsert("notes", [{
                "id": r.note_key, "idProperty": NOTE_ID, "properties": r.properties,
                "associations": [_association(r.contact_remote_id, NOTE_TO_CONTACT)] if r.contact_remote_id else [],
            } for r in records])

    async def list_all(self, object_type: str, *, page_size: int = 100):
        """Every object of a type, following `paging.next.after` (for reconciliation and tests)."""
        after: str | None = None
        while True:
            query = f"?limit={page_size}" + (f"&after={after}" if after else "")
            reply = await self._call("GET", f"/crm/v3/objects/{object_type}{query}")
            if not isinstance(reply, dict) or not isinstance(reply.get("results"), list):
                raise TransientError(f"CRM sent a malformed {object_type} page")
            for result in reply["results"]:
                yield result
            after = ((reply.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return


def _association(remote_id: str, type_id: int) -> dict[str, Any]:
    return {"to": {"id": remote_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S) if value else 1.0
    except ValueError:
        return 1.0
