"""Importing shop orders: upsert the order idempotently, link it to its customer, record `order.placed` once.

Privacy choice: an order placed with an email is a contract the customer entered with the shop, so we
store it and link it to the customer with that email (found in customer_identities, or created with
only that email). We never link a pseudonymous visitor's browsing to it: that still needs the
visitor's own identification. Customers known only from orders are not sent to any CRM (see crm_sync).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from livechat.db.models import Customer, CustomerIdentity, Order
from livechat.interaction_log import record
from livechat.shop_orders import ShopOrder
from livechat.transaction import Tx

log = logging.getLogger(__name__)

SOURCES = ("shopify", "woocommerce", "backfill", "demo")


@dataclass(frozen=True)
class ImportResult:
    order_id: uuid.UUID
    number: str
    created: bool
    customer_id: uuid.UUID | None

    def as_dict(self) -> dict[str, object]:
        return {"order_id": str(self.order_id), "number": self.number, "created": self.created,
                "customer_id": str(self.customer_id) if self.customer_id else None}


async def _customer_for(tx: Tx, order: ShopOrder) -> uuid.UUID | None:
    """The customer the order belongs to: by the shop's customer id, then by email; created if new."""
    session = tx.session
    customer: Customer | None = None
    if order.shop_customer_id:
        customer = await session.scalar(select(Customer).where(Customer.external_ref == order.shop_customer_id))
    if customer is None and order.email:
        customer = await session.scalar(
            select(Customer).join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(CustomerIdentity.email == order.email).order_by(Customer.created_at).limit(1)
        )
    if customer is None and not order.email:
        return None  # a guest order without an email belongs to nobody we can name
    if customer is None:
        customer = Customer(external_ref=order.shop_customer_id)
        session.add(customer)
        await session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, email=order.email))
    elif order.shop_customer_id and customer.external_ref is None:
        customer.external_ref = order.shop_customer_id
    return customer.id


def _apply(row: Order, order: ShopOrder) -> None:
    row.status = order.status
    row.total_cents = order.total_cents
    row.currency = order.currency
    row.items = order.items
    row.placed_at = order.placed_at


async def import_order(tx: Tx, order: ShopOrder, *, source: str) -> ImportResult:
    """Create or update the order by its number. Only its creation records `order.placed` (in this same
    transaction, so the profile fold and the offers see exactly one per order, however often the shop
    repeats the delivery)."""
    if source not in SOURCES:
        raise ValueError(f"unknown order source {source!r}")
    session = tx.session
    existing = await session.scalar(select(Order).where(Order.number == order.number).with_for_update())
    customer_id = await _customer_for(tx, order) if existing is None or existing.customer_id is None else existing.customer_id
    if existing is not None:
        _apply(existing, order)
        existing.customer_id = customer_id
        return ImportResult(existing.id, order.number, False, customer_id)
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    new_id = uuid.uuid4()
    inserted = await session.scalar(
        insert(Order).values(
            id=new_id, number=order.number, customer_id=customer_id, status=order.status, total_cents=order.total_cents,
            currency=order.currency, items=order.items, placed_at=order.placed_at,
        ).on_conflict_do_nothing(index_elements=["number"]).returning(Order.id)
    )
    if inserted is None:
        # A concurrent delivery of the same order won the insert: this one is an update.
        row = await session.scalar(select(Order).where(Order.number == order.number).with_for_update())
        _apply(row, order)
        return ImportResult(row.id, order.number, False, row.customer_id)
    event = record(tx, "order.placed", customer_id=customer_id, data={
        "order_id": order.number, "total_cents": order.total_cents, "currency": order.currency,
        "discount_codes": list(order.discount_codes), "source": source,
    })
    # Recency and RFM count from when the customer ordered, also for orders imported long after.
    event.occurred_at = order.placed_at
    log.info("imported order %s from %s", order.number, source)
    return ImportResult(new_id, order.number, True, customer_id)
