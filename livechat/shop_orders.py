"""Shop order payloads (Shopify-like and WooCommerce-like) read into one plain shape: pure functions.

The webhook endpoint and the batch backfill both parse with `parse_order`, then import with
livechat.order_import; nothing here touches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from livechat.errors import InvalidInput

Platform = Literal["shopify", "woocommerce"]
PLATFORMS: tuple[Platform, ...] = ("shopify", "woocommerce")
# ISO 4217 currencies without minor units: their "cents" are whole units.
ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF", "PYG", "RWF"}
MAX_CODES = 20
MAX_ITEMS = 200


@dataclass(frozen=True)
class ShopOrder:
    """An order as the shop sent it, normalized. `number` is what customers quote ("1002")."""

    number: str
    total_cents: int
    currency: str
    status: str
    placed_at: datetime
    email: str | None = None
    shop_customer_id: str | None = None
    discount_codes: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def signature_ok(secret: str, raw_body: bytes, header_value: str | None) -> bool:
    """Shopify's and WooCommerce's scheme: base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not header_value or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, header_value.strip())


def sign(secret: str, raw_body: bytes) -> str:
    """What a shop puts in its signature header (for tests and for replaying a saved delivery)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def to_cents(amount: Any, currency: str) -> int:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidInput(f"{amount!r} is not an amount.", fields=["total"]) from None
    if not value.is_finite() or value < 0 or value > Decimal(10) ** 12:
        raise InvalidInput(f"{amount!r} is not an order total.", fields=["total"])
    exponent = 0 if currency in ZERO_DECIMAL else 2
    return int((value * (10 ** exponent)).to_integral_value())


def _timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name} is missing.", fields=[name])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} is not an ISO 8601 time.", fields=[name]) from None
    # WooCommerce's *_gmt fields carry no offset: they are UTC.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _email(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if "@" in email and len(email) <= 320 and not any(c.isspace() for c in email) else None


def _text(value: Any, name: str, *, max_chars: int = 64) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise InvalidInput(f"{name} is missing.", fields=[name])
    text = str(value).strip().removeprefix("#")
    if len(text) > max_chars or "\x00" in text:
        raise InvalidInput(f"{name} is too long.", fields=[name])
    return text


def _currency(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
        raise InvalidInput("currency must be a three-letter code.", fields=["currency"])
    return value.strip().upper()


def _codes(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    codes = [str(e["code"]).strip()[:64] for e in entries[:MAX_CODES] if isinstance(e, dict) and isinstance(e.get("code"), str)]
    return [c for c in codes if c and "\x00" not in c]


def _items(entries: Any, name_key: str) -> list[dict[str, Any]]:
    if not isinstance(entries, list):
        return []
    items = []
    for entry in entries[:MAX_ITEMS]:
        if isinstance(entry, dict):
            quantity = entry.get("quantity")
            items.append({
                "name": str(entry.get(name_key) or "")[:200].replace("\x00", ""),
                "quantity": quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else 1,
                **({"sku": str(entry["sku"])[:64].replace("\x00", "")} if entry.get("sku") else {}),
            })
    return items


def _shopify_status(body: dict[str, Any]) -> str:
    if body.get("cancelled_at"):
        return "cancelled"
    if body.get("financial_status") == "refunded":
        return "refunded"
    if body.get("fulfillment_status") == "fulfilled":
        return "shipped"
    return "processing"


WOO_STATUS = {"pending": "pending", "on-hold": "pending", "processing": "processing", "completed": "shipped",
              "cancelled": "cancelled", "refunded": "refunded", "failed": "cancelled"}


def parse_shopify(body: dict[str, Any]) -> ShopOrder:
    currency = _currency(body.get("currency"))
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    number = body.get("order_number") if body.get("order_number") is not None else body.get("name")
    return ShopOrder(
        number=_text(number, "order_number"),
        total_cents=to_cents(body.get("total_price"), currency),
        currency=currency,
        status=_shopify_status(body),
        placed_at=_timestamp(body.get("created_at"), "created_at"),
        email=_email(body.get("email")) or _email(customer.get("email")),
        shop_customer_id=_text(customer["id"], "customer.id", max_chars=128) if customer.get("id") not in (None, "", 0) else None,
        discount_codes=_codes(body.get("discount_codes")),
        items=_items(body.get("line_items"), "title"),
    )


def parse_woocommerce(body: dict[str, Any]) -> ShopOrder:
    currency = _currency(body.get("currency"))
    billing = body.get("billing") if isinstance(body.get("billing"), dict) else {}
    customer_id = body.get("customer_id")
    return ShopOrder(
        number=_text(body.get("number") if body.get("number") is not None else body.get("id"), "number"),
        total_cents=to_cents(body.get("total"), currency),
        currency=currency,
        status=WOO_STATUS.get(str(body.get("status")), "processing"),
        placed_at=_timestamp(body.get("date_created_gmt") or body.get("date_created"), "date_created_gmt"),
        email=_email(billing.get("email")),
        # WooCommerce uses customer_id 0 for guests.
        shop_customer_id=str(customer_id) if isinstance(customer_id, int) and not isinstance(customer_id, bool) and customer_id > 0 else None,
        discount_codes=_codes(body.get("coupon_lines")),
        items=_items(body.get("line_items"), "name"),
    )


def parse_order(platform: Platform, body: Any) -> ShopOrder:
    """Read one order payload; InvalidInput (400) names what is wrong."""
    if not isinstance(body, dict):
        raise InvalidInput("An order must be a JSON object.")
    return parse_shopify(body) if platform == "shopify" else parse_woocommerce(body)
