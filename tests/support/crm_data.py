"""Customers for CRM sync tests and the benchmark, made through the same operations the chat uses
(consent, identification), many per transaction."""

from __future__ import annotations

import uuid

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Visitor
from livechat.transaction import EventBus, transaction
from livechat.visitor_privacy import ConsentIn, IdentifyIn, give_consent, identify


async def make_customers(database_url: str, count: int, *, consent: bool = True, prefix: str = "c", per_tx: int = 200,
                         start: int = 0) -> dict[str, uuid.UUID]:
    """`count` identified customers (email -> customer id); with consent=False they withheld identification,
    so they exist only as visitors with no identity."""
    engine = create_engine(database_url)
    made: dict[str, uuid.UUID] = {}
    try:
        sessions = create_session_factory(engine)
        for first in range(start, start + count, per_tx):
            async with transaction(sessions, EventBus()) as tx:
                for n in range(first, min(first + per_tx, start + count)):
                    visitor = Visitor()
                    tx.session.add(visitor)
                    await tx.session.flush()
                    await give_consent(tx, visitor.id, ConsentIn(purpose="tracking", granted=True))
                    await give_consent(tx, visitor.id, ConsentIn(purpose="identification", granted=consent))
                    email = f"{prefix}{n}@example.com"
                    if consent:
                        made[email] = await identify(tx, visitor.id, IdentifyIn(email=email, name=f"Customer {n}"))
                    else:
                        made[email] = visitor.id
    finally:
        await engine.dispose()
    return made


async def visitor_of(database_url: str, customer_id: uuid.UUID) -> uuid.UUID:
    from sqlalchemy import select

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await session.scalar(select(Visitor.id).where(Visitor.customer_id == customer_id))
    finally:
        await engine.dispose()
