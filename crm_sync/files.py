"""CSV and JSONL: export the contacts a CRM would get (same consent rule) and orders; import orders
(the batch backfill of a shop's history). Streams both ways, so file size does not matter."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from crm_sync.records import contact_record, may_sync
from livechat.db.models import CustomerIdentity, Order, Profile, SegmentMembership
from livechat.db.types import utcnow
from livechat.errors import LivechatError
from livechat.order_import import import_order
from livechat.profile_state import summary
from livechat.shop_orders import parse_order

PAGE = 1_000
ORDER_FIELDS = ["number", "status", "total_cents", "currency", "placed_at", "customer_id"]
# CSV columns a backfill file may have (one order per row); JSONL rows are the shop's own order JSON.
CSV_ORDER_COLUMNS = ["number", "total", "currency", "created_at", "email", "customer_id", "status", "discount_codes"]


async def contacts(sessions) -> AsyncIterator[dict[str, Any]]:
    """Consenting customers' contact records, page by page in subject order."""
    last: uuid.UUID | None = None
    while True:
        async with sessions() as session:
            query = select(Profile.subject_id, Profile.state, CustomerIdentity.email, CustomerIdentity.name, CustomerIdentity.phone).join(
                CustomerIdentity, CustomerIdentity.customer_id == Profile.subject_id).order_by(Profile.subject_id).limit(PAGE)
            rows = (await session.execute(query.where(Profile.subject_id > last) if last else query)).all()
            if not rows:
                return
            memberships: dict[uuid.UUID, list[str]] = {}
            for subject_id, segment in (await session.execute(select(SegmentMembership.subject_id, SegmentMembership.segment)
                                                              .where(SegmentMembership.subject_id.in_([r[0] for r in rows])))).all():
                memberships.setdefault(subject_id, []).append(segment)
        now = utcnow()
        for subject_id, state, email, name, phone in rows:
            view = summary(state, now)
            if may_sync(view, email):
                record = contact_record(str(subject_id), view, {"email": email, "name": name, "phone": phone}, memberships.get(subject_id, []))
                yield {"id": record.subject_id, **record.properties}
        last = rows[-1][0]


async def orders(sessions) -> AsyncIterator[dict[str, Any]]:
    last = ""
    while True:
        async with sessions() as session:
            rows = list(await session.scalars(select(Order).where(Order.number > last).order_by(Order.number).limit(PAGE)))
        if not rows:
            return
        for o in rows:
            yield {"number": o.number, "status": o.status, "total_cents": o.total_cents, "currency": o.currency,
                   "placed_at": o.placed_at.isoformat(), "customer_id": str(o.customer_id) if o.customer_id else None}
        last = rows[-1].number


async def write(rows: AsyncIterator[dict[str, Any]], out: IO[str], fmt: str) -> int:
    count = 0
    writer: csv.DictWriter | None = None
    async for row in rows:
        if fmt == "jsonl":
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(row)
        count += 1
    return count


def _csv_as_shopify(row: dict[str, str]) -> dict[str, Any]:
    codes = [c.strip() for c in (row.get("discount_codes") or "").split(";") if c.strip()]
    customer_id = (row.get("customer_id") or "").strip()
    return {"order_number": row.get("number"), "total_price": row.get("total"), "currency": row.get("currency"),
            "created_at": row.get("created_at"), "email": row.get("email") or None, "cancelled_at": row.get("status") == "cancelled" or None,
            "fulfillment_status": "fulfilled" if row.get("status") == "shipped" else None,
            "discount_codes": [{"code": c} for c in codes], "customer": {"id": customer_id} if customer_id else None}


def read_orders(path: Path, fmt: str, platform: str) -> Iterator[tuple[int, Any]]:
    """(line number, shop payload) for each order in the file; CSV rows use CSV_ORDER_COLUMNS."""
    with path.open(newline="", encoding="utf-8") as handle:
        if fmt == "jsonl":
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError:
                        yield number, None
        else:
            for number, row in enumerate(csv.DictReader(handle), 2):
                yield number, _csv_as_shopify(row)


async def import_orders(transaction, path: Path, fmt: str, platform: str, *, progress=None, batch: int = 200) -> dict[str, Any]:
    """The backfill: each order imported like a webhook delivery (source "backfill"), `batch` per
    transaction; bad rows are reported by line and skipped, the rest still go in."""
    created = updated = 0
    errors: list[str] = []
    pending: list[tuple[int, Any]] = []

    async def flush() -> None:
        nonlocal created, updated
        async with transaction() as tx:
            for line, payload in pending:
                result = await import_order(tx, parse_order(platform if fmt == "jsonl" else "shopify", payload), source="backfill")
                created, updated = created + result.created, updated + (not result.created)
        if progress:
            progress(len(pending))
        pending.clear()

    for line, payload in read_orders(path, fmt, platform):
        try:
            parse_order(platform if fmt == "jsonl" else "shopify", payload)
        except LivechatError as exc:
            errors.append(f"line {line}: {exc.message}")
            continue
        pending.append((line, payload))
        if len(pending) >= batch:
            await flush()
    if pending:
        await flush()
    return {"created": created, "updated": updated, "errors": errors}
