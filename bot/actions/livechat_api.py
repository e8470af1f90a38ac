"""Async client for the live-chat server's bot API (orders and products)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from .settings import ApiSettings

log = logging.getLogger(__name__)


class LivechatApiError(Exception):
    """The API did not give a usable answer (down, timeout, auth, bad reply)."""


class OrderNotFound(Exception):
    """The API knows no order with this number."""


async def fetch_order(settings: ApiSettings, number: str, conversation: str | None = None) -> dict[str, Any]:
    """Return the order as the API describes it to `conversation` (the tracker's sender id: its details only
    for the order's own customer); raise OrderNotFound or LivechatApiError."""
    params = {"conversation": conversation} if conversation else None
    status, body = await _get_json(settings, f"/api/bot/orders/{quote(number, safe='')}", params=params)
    # Only the API's own JSON error means "no such order"; a bare 404 (HTML from a
    # proxy, wrong base URL) is a broken setup and must not blame the visitor's number.
    if status == 404 and isinstance(body, dict) and isinstance(body.get("error"), dict):
        raise OrderNotFound(number)
    if status != 200 or not isinstance(body, dict) or "status" not in body:
        raise LivechatApiError(f"order lookup answered {status}")
    return body


async def search_products(settings: ApiSettings, query: str) -> list[dict[str, Any]]:
    """Return the products matching `query`, best match first (possibly none)."""
    status, body = await _get_json(settings, "/api/bot/products", params={"q": query})
    if status != 200 or not isinstance(body, dict):
        raise LivechatApiError(f"product search answered {status}")
    products = body.get("products")
    if not isinstance(products, list):
        raise LivechatApiError("product search reply has no product list")
    return [p for p in products if isinstance(p, dict)]


async def _get_json(
    settings: ApiSettings, path: str, params: dict[str, str] | None = None
) -> tuple[int, Any]:
    """GET `path` and return (HTTP status, decoded JSON body or None)."""
    headers = {"Accept": "application/json"}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    timeout = aiohttp.ClientTimeout(total=settings.timeout_s)
    url = settings.base_url + path
    # A session per call: rasa_sdk gives actions no start-up/shutdown hook to close a
    # shared one, and on loopback the extra connection set-up costs well under 1 ms.
    try:
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            async with session.get(url, params=params) as response:
                if response.status in (401, 403):
                    log.error("bot API rejected our token (%s) for %s", response.status, path)
                    raise LivechatApiError(f"unauthorized ({response.status})")
                if response.status >= 500:
                    log.warning("bot API failed with %s for %s", response.status, path)
                    return response.status, None
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                return response.status, body
    except asyncio.TimeoutError:
        log.warning("bot API timed out after %.1f s for %s", settings.timeout_s, path)
        raise LivechatApiError("timeout") from None
    except aiohttp.ClientError as exc:
        log.warning("bot API unreachable for %s: %s", path, exc)
        raise LivechatApiError(str(exc)) from exc
