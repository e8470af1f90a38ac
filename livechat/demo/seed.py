"""Seed the demo shop's products and orders; safe to run again (it updates what exists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Customer, CustomerIdentity, Order, Product

PRODUCTS = [
    ("SW-001", "Merino wool sweater", 8900, 12),
    ("BP-002", "Leather backpack", 14900, 0),
    ("MG-003", "Ceramic coffee mug", 1450, 40),
    ("SH-004", "Trail running shoes", 11900, 3),
    ("SC-005", "Wool scarf", 2900, 25),
    ("TS-006", "Organic cotton t-shirt", 2400, 0),
]

# (number, status, days ago placed, items, carrier, tracking, days until delivery)
ORDERS = [
    ("1001", "delivered", 20, [("Ceramic coffee mug", 2)], "DHL", "JD014600006281230001", None),
    ("1002", "shipped", 3, [("Merino wool sweater", 1), ("Wool scarf", 1)], "DHL", "JD014600006281230002", 2),
    ("1003", "processing", 1, [("Trail running shoes", 1)], None, None, 4),
    ("1004", "cancelled", 6, [("Leather backpack", 1)], None, None, None),
]


async def seed_demo(session: AsyncSession, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    prices = {name: cents for _sku, name, cents, _stock in PRODUCTS}
    for sku, name, cents, stock in PRODUCTS:
        product = await session.get(Product, sku) or Product(sku=sku)
        product.name, product.price_cents, product.currency, product.stock = name, cents, "EUR", stock
        product.url = f"/demo#{sku}"
        session.add(product)
    for number, status, days_ago, items, carrier, tracking, delivery_in in ORDERS:
        order = await session.scalar(select(Order).where(Order.number == number)) or Order(number=number)
        order.status = status
        order.items = [{"name": name, "quantity": qty} for name, qty in items]
        order.total_cents = sum(prices[name] * qty for name, qty in items)
        order.currency = "EUR"
        order.carrier, order.tracking_number = carrier, tracking
        order.placed_at = now - timedelta(days=days_ago)
        order.updated_at = now
        order.estimated_delivery = (now + timedelta(days=delivery_in)).date().isoformat() if delivery_in else None
        session.add(order)


# The demo shop's signed-in shopper: the demo page's "Sign in as Jane" identifies the visitor as her, and
# she placed the demo orders, so the bot tells her their tracking numbers and amounts (anyone else: the status).
DEMO_CUSTOMER = ("demo-jane", "jane@northwind.example", "Jane Doe")


async def seed_demo_customer(session: AsyncSession) -> None:
    """Create the demo shopper if missing and make the demo orders hers."""
    external_ref, email, name = DEMO_CUSTOMER
    customer = await session.scalar(select(Customer).where(Customer.external_ref == external_ref))
    if customer is None:
        customer = Customer(external_ref=external_ref)
        session.add(customer)
        await session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, email=email, name=name))
    for order in await session.scalars(select(Order).where(Order.number.in_([number for number, *_ in ORDERS]))):
        order.customer_id = customer.id


# (email, name, password, role, teams, languages) — for the demo only; `livechat create-agent` makes real ones.
DEMO_AGENTS = [
    ("agent@demo.shop", "Anna", "demo-agent-1", "agent", ["support"], ["en", "pl"]),
    ("supervisor@demo.shop", "Sam", "demo-supervisor-1", "supervisor", ["support"], ["en", "es"]),
]


async def seed_demo_agents(session: AsyncSession) -> None:
    """Create the demo console accounts if they do not exist (passwords are never reset)."""
    from livechat.agent_accounts import hash_password
    from livechat.db.models import Agent, AgentRole

    for email, name, password, role, teams, languages in DEMO_AGENTS:
        if await session.scalar(select(Agent.id).where(Agent.email == email)) is None:
            session.add(Agent(
                email=email, name=name, password_hash=hash_password(password), role=AgentRole(role),
                teams=teams, languages=languages, max_chats=5,
            ))
