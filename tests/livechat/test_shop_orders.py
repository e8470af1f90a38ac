"""Shop order payloads read into one shape; signatures checked the way Shopify and WooCommerce sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from livechat.errors import InvalidInput
from livechat.shop_orders import parse_order, signature_ok, to_cents


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'{"id": 1}'
    good = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert signature_ok("s3cret", body, good)
    assert not signature_ok("s3cret", body + b" ", good)
    assert not signature_ok("other", body, good)
    assert not signature_ok("s3cret", body, None) and not signature_ok("", body, good)


def test_amounts_become_minor_units_per_currency():
    assert to_cents("59.90", "EUR") == 5990
    assert to_cents("1200", "JPY") == 1200
    for bad in ("lots", "-1", "NaN", "1e400"):
        with pytest.raises(InvalidInput):
            to_cents(bad, "EUR")


def test_shopify_and_woocommerce_payloads_read_alike():
    shopify = parse_order("shopify", {
        "order_number": 1001, "email": " Kim@Example.com ", "total_price": "10.00", "currency": "eur",
        "created_at": "2026-11-20T10:00:00+01:00", "cancelled_at": "2026-11-21T00:00:00Z",
        "discount_codes": [{"code": "WELCOME10"}, {"amount": "1"}], "customer": {"id": 42, "email": "kim@example.com"},
    })
    assert (shopify.number, shopify.total_cents, shopify.currency, shopify.status) == ("1001", 1000, "EUR", "cancelled")
    assert shopify.email == "kim@example.com" and shopify.shop_customer_id == "42" and shopify.discount_codes == ["WELCOME10"]
    assert shopify.placed_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    woo = parse_order("woocommerce", {
        "id": 5, "number": "77", "total": "24.00", "currency": "EUR", "status": "completed", "customer_id": 0,
        "date_created_gmt": "2026-11-21T08:00:00", "billing": {"email": "ola@example.com"}, "coupon_lines": [{"code": "autumn5"}],
    })
    assert (woo.number, woo.total_cents, woo.status, woo.shop_customer_id) == ("77", 2400, "shipped", None)
    assert woo.placed_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC) and woo.discount_codes == ["autumn5"]


@pytest.mark.parametrize("body", [[], {"order_number": 1}, {"order_number": 1, "total_price": "1", "currency": "EURO"},
                                  {"order_number": True, "total_price": "1", "currency": "EUR", "created_at": "2026-01-01"},
                                  {"order_number": 1, "total_price": "1", "currency": "EUR", "created_at": "yesterday"}])
def test_broken_payloads_are_refused_clearly(body):
    with pytest.raises(InvalidInput):
        parse_order("shopify", body)
