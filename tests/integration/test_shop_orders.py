"""Shop order webhooks: signed deliveries become orders (once, however often the shop repeats them) that
count in the customer's profile, and unsigned or wrongly signed ones change nothing."""

from __future__ import annotations

import json
import uuid

import aiohttp
import pytest
from sqlalchemy import func, select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Customer, CustomerIdentity, InteractionEvent, Order, Profile, SegmentMembership
from livechat.profile_state import summary
from livechat.db.types import utcnow
from livechat.shop_orders import sign
from tests.fixtures import _prepare_backend
from tests.support.visitor import Visitor

SHOPIFY_SECRET = "shpss_test_secret_0123456789"
WOO_SECRET = "woo-test-secret-abcdef"


@pytest.fixture(params=["sqlite", "postgres"])
async def shop_backend(request, tmp_path):
    return await _prepare_backend(request.param, tmp_path, request)


def shopify_order(number: int, email: str | None, total: str = "59.90", *, codes=("WELCOME10",), customer_id: int | None = 7001) -> dict:
    return {
        "id": 450789469 + number, "order_number": number, "name": f"#{number}", "email": email, "total_price": total,
        "currency": "EUR", "created_at": "2026-11-20T10:15:00+01:00", "financial_status": "paid", "fulfillment_status": None,
        "discount_codes": [{"code": c, "amount": "5.00", "type": "fixed_amount"} for c in codes],
        "line_items": [{"title": "Merino wool sweater", "quantity": 1, "sku": "SW-001"}],
        "customer": {"id": customer_id, "email": email} if customer_id else None,
    }


def woo_order(number: int, email: str, total: str = "24.00") -> dict:
    return {
        "id": 9000 + number, "number": str(number), "status": "processing", "total": total, "currency": "eur",
        "date_created_gmt": "2026-11-21T08:00:00", "customer_id": 0, "billing": {"email": email, "first_name": "Ola"},
        "coupon_lines": [{"id": 1, "code": "autumn5"}], "line_items": [{"name": "Wool scarf", "quantity": 2, "sku": "SC-005"}],
    }


async def deliver(base_url: str, platform: str, body: dict | bytes, *, secret: str, topic: str = "orders/create",
                  signature: str | None = None) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = "X-Shopify-Hmac-Sha256" if platform == "shopify" else "X-WC-Webhook-Signature"
    headers = {header: signature if signature is not None else sign(secret, raw), "Content-Type": "application/json"}
    if platform == "shopify":
        headers["X-Shopify-Topic"] = topic
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/shop/{platform}/orders", data=raw, headers=headers) as response:
            return response.status, await response.json()


async def _read(database_url: str, work):
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def test_signed_order_webhooks_become_orders_once_and_count_in_profiles(shop_backend, make_node):
    node = await make_node(shop_backend, shopify_webhook_secret=SHOPIFY_SECRET, woocommerce_webhook_secret=WOO_SECRET)
    # A visitor who identified in the chat (with consent) orders in the shop with the same email.
    kim = await Visitor.start(node.base_url)
    await kim.call("consent", {"purpose": "identification", "granted": True})
    customer_id = uuid.UUID((await kim.call("identify", {"email": "Kim@Example.com"}))["customer_id"])

    status, first = await deliver(node.base_url, "shopify", shopify_order(5001, "kim@example.com"), secret=SHOPIFY_SECRET)
    assert status == 201 and first["created"] is True and first["customer_id"] == str(customer_id)
    # Shopify retries deliveries: the same order again is the same order, and no second order.placed.
    status, again = await deliver(node.base_url, "shopify", shopify_order(5001, "kim@example.com"), secret=SHOPIFY_SECRET)
    assert status == 200 and again["created"] is False and again["order_id"] == first["order_id"]
    # An update (fulfilled) changes the row, not the order count.
    fulfilled = {**shopify_order(5001, "kim@example.com"), "fulfillment_status": "fulfilled"}
    status, _ = await deliver(node.base_url, "shopify", fulfilled, secret=SHOPIFY_SECRET, topic="orders/updated")
    assert status == 200
    status, _ = await deliver(node.base_url, "shopify", shopify_order(5002, "kim@example.com", "120.00", codes=()), secret=SHOPIFY_SECRET)
    assert status == 201

    # Refused: wrong signature, missing signature, signature of another body. Nothing is stored.
    forged = shopify_order(5003, "kim@example.com")
    assert (await deliver(node.base_url, "shopify", forged, secret="not-the-secret"))[0] == 401
    assert (await deliver(node.base_url, "shopify", forged, secret=SHOPIFY_SECRET, signature=""))[0] == 401
    other_signature = sign(SHOPIFY_SECRET, json.dumps(shopify_order(5004, "kim@example.com")).encode())
    status, refused = await deliver(node.base_url, "shopify", forged, secret=SHOPIFY_SECRET, signature=other_signature)
    assert status == 401 and refused["error"]["code"] == "bad_signature"
    # WooCommerce signs with its own secret; a Shopify-signed body is refused there.
    assert (await deliver(node.base_url, "woocommerce", woo_order(77, "ola@example.com"), secret=SHOPIFY_SECRET))[0] == 401
    status, woo = await deliver(node.base_url, "woocommerce", woo_order(77, "Ola@Example.com"), secret=WOO_SECRET)
    assert status == 201
    # WooCommerce pings a new webhook with a form body: acknowledged, nothing stored.
    assert (await deliver(node.base_url, "woocommerce", b"webhook_id=12", secret=WOO_SECRET))[0] == 202
    # A Shopify topic that is not about orders: acknowledged and ignored.
    assert (await deliver(node.base_url, "shopify", {"id": 1}, secret=SHOPIFY_SECRET, topic="products/update"))[0] == 202
    # Signed but broken: a clear 400, nothing stored.
    status, broken = await deliver(node.base_url, "shopify", {**shopify_order(5005, "x@example.com"), "total_price": "lots"}, secret=SHOPIFY_SECRET)
    assert status == 400 and broken["error"]["code"] == "invalid_payload"
    # A guest order without an email belongs to nobody.
    status, guest = await deliver(node.base_url, "shopify", shopify_order(5006, None, customer_id=None), secret=SHOPIFY_SECRET)
    assert status == 201 and guest["customer_id"] is None

    async def facts(session):
        orders = {o.number: o for o in await session.scalars(select(Order).where(Order.number.in_(["5001", "5002", "5003", "5005", "5006", "77"])))}
        placed = list(await session.scalars(select(InteractionEvent).where(InteractionEvent.type == "order.placed").order_by(InteractionEvent.id)))
        profile = await session.get(Profile, customer_id)
        ola = await session.scalar(select(CustomerIdentity).where(CustomerIdentity.email == "ola@example.com"))
        segments = set(await session.scalars(select(SegmentMembership.segment).where(SegmentMembership.subject_id == customer_id)))
        customers = await session.scalar(select(func.count()).select_from(Customer))
        return orders, placed, profile, ola, segments, customers

    orders, placed, profile, ola, segments, customers = await _read(shop_backend.database_url, facts)
    assert sorted(orders) == ["5001", "5002", "5006", "77"]
    assert orders["5001"].status == "shipped" and orders["5001"].total_cents == 5990 and orders["5001"].customer_id == customer_id
    assert orders["77"].currency == "EUR" and orders["77"].total_cents == 2400 and orders["77"].customer_id == ola.customer_id
    # Exactly the contract's event, once per order.
    assert [(e.data["order_id"], e.customer_id) for e in placed] == [
        ("5001", customer_id), ("5002", customer_id), ("77", ola.customer_id), ("5006", None)]
    assert placed[0].data == {"order_id": "5001", "total_cents": 5990, "currency": "EUR", "discount_codes": ["WELCOME10"], "source": "shopify"}
    assert placed[2].data["source"] == "woocommerce" and placed[2].data["discount_codes"] == ["autumn5"]
    # The profile counts two orders worth 179.90, placed when the shop says (not when imported).
    view = summary(profile.state, utcnow())
    assert view["orders"] == 2 and view["lifetime_value_cents"] == 17990 and view["rfm"] is not None
    assert profile.state["max"]["last_order_at"].startswith("2026-11-20T09:15")
    assert "repeat_customer" in segments
    # Kim, Ola (created from her order, with only her email) and nobody for the guest.
    assert customers == 2


async def test_order_webhooks_are_off_without_a_secret(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    status, body = await deliver(node.base_url, "shopify", shopify_order(1, "a@example.com"), secret="whatever")
    assert status == 404 and body["error"]["code"] == "webhook_not_configured"
