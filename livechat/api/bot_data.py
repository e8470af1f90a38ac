"""GET /api/bot/*: the shop data the Rasa action server reads (orders, products), behind a bearer token.

An order's details (amounts, items, carrier, tracking number) go only to the conversation of the
visitor identified as the order's customer; anyone else who types its number learns its status and
expected delivery, which is what a parcel notice on a doorstep tells too.
"""

from __future__ import annotations

import hmac
import re
import uuid

from aiohttp import web
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.api.appkeys import SERVICES
from livechat.db.models import Conversation, Order, Product, Visitor
from livechat.errors import InvalidInput, NotFound, Unauthorized

ORDER_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_PRODUCTS = 5


def _check_bot_token(request: web.Request) -> None:
    expected = request.app[SERVICES].settings.bot_api_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("A valid bot API token is required.")


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def get_order(request: web.Request) -> web.Response:
    """?conversation=<the Rasa sender id, our conversation id>: whose chat asks, for the details."""
    _check_bot_token(request)
    number = request.match_info["number"].lstrip("#")
    if not ORDER_NUMBER.match(number):
        raise InvalidInput("That is not an order number.", code="invalid_order_number")
    async with request.app[SERVICES].sessions() as session:
        order = await session.scalar(select(Order).where(Order.number == number))
        if order is None:
            raise NotFound(f"There is no order {number}.", code="order_not_found")
        asker = await _asking_customer(session, request.query.get("conversation"),
                                       verified_only=request.app[SERVICES].settings.identity_secret is not None)
    for_customer = order.customer_id is not None and order.customer_id == asker
    details = {
        "total": _money(order.total_cents),
        "currency": order.currency,
        "items": [{"name": i.get("name"), "quantity": i.get("quantity", 1)} for i in order.items],
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
    }
    return web.json_response(
        {
            "number": order.number,
            "status": order.status,
            "placed_at": order.placed_at.isoformat(),
            "updated_at": order.updated_at.isoformat(),
            "estimated_delivery": order.estimated_delivery,
            "for_customer": for_customer,
            # No customer account behind it: nobody gets the details here; the confirmation email has them.
            "placed_as_guest": order.customer_id is None,
            # What the order has and this asker is not told, so the bot can say where to get it.
            "withheld": [] if for_customer else sorted(k for k, v in details.items() if v),
            **(details if for_customer else dict.fromkeys(details)),
        }
    )


async def _asking_customer(session: AsyncSession, conversation: str | None, *, verified_only: bool) -> uuid.UUID | None:
    """The customer the conversation's visitor is identified as, if any. Where the shop verifies
    identification, a link the shop did not sign (one made before it turned verification on) counts for nothing."""
    try:
        conversation_id = uuid.UUID(conversation) if conversation else None
    except ValueError:
        return None
    if conversation_id is None:
        return None
    row = (await session.execute(
        select(Visitor.customer_id, Visitor.identity_verified)
        .join(Conversation, Conversation.visitor_id == Visitor.id).where(Conversation.id == conversation_id)
    )).first()
    if row is None or (verified_only and not row.identity_verified):
        return None
    return row.customer_id


async def find_products(request: web.Request) -> web.Response:
    _check_bot_token(request)
    query = request.query.get("q", "").strip()[:200]
    words = [w for w in re.split(r"\W+", query.lower()) if len(w) >= 3]
    async with request.app[SERVICES].sessions() as session:
        stmt = select(Product)
        if words:
            stmt = stmt.where(or_(*(func.lower(Product.name).contains(w, autoescape=True) for w in words)))
        products = list(await session.scalars(stmt.limit(50)))
    # Best match first: the product whose name shares the most words with the question.
    products.sort(key=lambda p: (-sum(w in p.name.lower() for w in words), p.name))
    return web.json_response(
        {
            "products": [
                {
                    "sku": p.sku,
                    "name": p.name,
                    "in_stock": p.stock > 0,
                    "stock": p.stock,
                    "price": _money(p.price_cents),
                    "currency": p.currency,
                    "url": p.url,
                }
                for p in products[:MAX_PRODUCTS]
            ]
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/bot/orders/{number}", get_order)
    app.router.add_get("/api/bot/products", find_products)
