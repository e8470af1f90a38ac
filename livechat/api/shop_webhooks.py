"""POST /api/shop/{platform}/orders: order webhooks from the shop (Shopify-like, WooCommerce-like).

The body's HMAC is checked against the platform's secret before anything is parsed; a delivery with a
wrong or missing signature is refused with 401 and changes nothing.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from livechat.api.appkeys import SERVICES
from livechat.errors import InvalidInput, NotFound, Unauthorized
from livechat.order_import import import_order
from livechat.shop_orders import PLATFORMS, parse_order, signature_ok

log = logging.getLogger(__name__)

SIGNATURE_HEADERS = {"shopify": "X-Shopify-Hmac-Sha256", "woocommerce": "X-WC-Webhook-Signature"}
# Shopify topics that carry an order; anything else is acknowledged and ignored (so the shop does not retry).
SHOPIFY_ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/cancelled", "orders/edited"}
MAX_BODY_BYTES = 1024 * 1024


def _secret(request: web.Request, platform: str) -> str:
    settings = request.app[SERVICES].settings
    secret = settings.shopify_webhook_secret if platform == "shopify" else settings.woocommerce_webhook_secret
    if secret is None:
        raise NotFound(f"The {platform} webhook is not configured.", code="webhook_not_configured")
    return secret.get_secret_value()


async def order_webhook(request: web.Request) -> web.Response:
    platform = request.match_info["platform"]
    if platform not in PLATFORMS:
        raise NotFound("Unknown shop platform.", code="unknown_platform")
    secret = _secret(request, platform)
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput("The delivery is too large.", code="too_large")
    if not signature_ok(secret, raw, request.headers.get(SIGNATURE_HEADERS[platform])):
        log.warning("refused a %s order webhook with a wrong signature", platform)
        raise Unauthorized("The webhook signature does not match.", code="bad_signature")
    if platform == "shopify" and request.headers.get("X-Shopify-Topic", "orders/create") not in SHOPIFY_ORDER_TOPICS:
        return web.json_response({"ignored": True, "reason": "not an order topic"}, status=202)
    if platform == "woocommerce" and (request.headers.get("X-WC-Webhook-Topic", "").startswith("action.") or raw.startswith(b"webhook_id=")):
        # WooCommerce pings a new webhook with a form body; it only wants a 2xx.
        return web.json_response({"ignored": True, "reason": "ping"}, status=202)
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("The request body is not valid JSON.") from None
    order = parse_order(platform, body)
    async with request.app[SERVICES].transaction() as tx:
        result = await import_order(tx, order, source=platform)
    return web.json_response(result.as_dict(), status=201 if result.created else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/shop/{platform}/orders", order_webhook)
