"""CSV and JSONL with the crm-sync command: export consenting customers and orders, import (backfill)
orders from shop JSON lines or a CSV; a backfilled order counts once, however often it is imported."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import InteractionEvent, Order
from tests.support.crm_data import make_customers

ROOT = Path(__file__).resolve().parents[2]


async def crm_sync(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "LIVECHAT_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "crm_sync.cli", *args, env=env, cwd=ROOT,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_export_and_backfill_through_files(pg_backend, tmp_path):
    url = pg_backend.database_url
    customers = await make_customers(url, 3)
    shop = tmp_path / "orders.jsonl"
    rows = [{"order_number": 9000 + n, "email": f"c{n % 3}@example.com", "total_price": "10.50", "currency": "EUR",
             "created_at": "2026-10-0{}T12:00:00Z".format(n + 1), "discount_codes": [{"code": "BACK5"}]} for n in range(5)]
    shop.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    code, out, err = await crm_sync(url, "import", "orders", str(shop))
    result = json.loads(out)
    # The broken line is named and skipped (exit 1), the five orders are in.
    assert code == 1 and result["created"] == 5 and result["errors"] == ["line 6: An order must be a JSON object."]
    assert "orders" in err  # the progress bar
    shop.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, _ = await crm_sync(url, "import", "orders", str(shop))
    assert code == 0 and json.loads(out) == {"created": 0, "updated": 5, "errors": []}

    table = tmp_path / "more.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "total", "currency", "created_at", "email", "customer_id", "status", "discount_codes"])
        writer.writerow(["9100", "99.00", "EUR", "2026-11-01T09:00:00Z", "c0@example.com", "", "shipped", "VIP10;FREESHIP"])
    code, out, _ = await crm_sync(url, "import", "orders", str(table))
    assert code == 0 and json.loads(out)["created"] == 1

    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            placed = list(await session.scalars(select(InteractionEvent).where(InteractionEvent.type == "order.placed")))
            shipped = await session.scalar(select(Order.status).where(Order.number == "9100"))
            orders = await session.scalar(select(func.count()).select_from(Order))
    finally:
        await engine.dispose()
    assert len(placed) == 6 and {e.data["source"] for e in placed} == {"backfill"}
    assert next(e for e in placed if e.data["order_id"] == "9100").data["discount_codes"] == ["VIP10", "FREESHIP"]
    assert shipped == "shipped" and orders == 6 + 4  # the demo shop's four orders too

    code, out, _ = await crm_sync(url, "export", "contacts", "--format", "jsonl")
    exported = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and sorted(r["email"] for r in exported) == sorted(customers)
    kim = next(r for r in exported if r["email"] == "c0@example.com")
    assert kim["shopchat_orders"] == 3 and kim["shopchat_lifetime_value"] == "120.00"
    out_csv = tmp_path / "contacts.csv"
    code, _, _ = await crm_sync(url, "export", "contacts", "--format", "csv", "--out", str(out_csv))
    with out_csv.open(newline="") as handle:
        assert sorted(r["email"] for r in csv.DictReader(handle)) == sorted(customers)
    code, out, _ = await crm_sync(url, "export", "orders", "--format", "csv")
    assert code == 0 and len(list(csv.DictReader(out.splitlines()))) == 10
