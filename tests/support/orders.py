"""Making a visitor the customer who placed a seeded demo order (the bot tells only them its details)."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Order
from tests.support.visitor import Visitor


async def own_order(database_url: str, visitor: Visitor, number: str) -> str:
    """Identify the visitor as a customer and make `number` that customer's order; returns the customer id."""
    assert (await visitor.call("consent", {"purpose": "identification", "granted": True}))["ok"]
    identified = await visitor.call("identify", {"external_id": f"customer-of-{visitor.visitor_id}"})
    assert identified["ok"], identified
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(update(Order).where(Order.number == number).values(customer_id=uuid.UUID(identified["customer_id"])))
    finally:
        await engine.dispose()
    return identified["customer_id"]
