"""The configured destinations, built from settings: HubSpot-style CRM and signed webhooks."""

from __future__ import annotations

import aiohttp

from crm_sync.destination import Destination
from crm_sync.hubspot import HubSpot
from crm_sync.webhooks_out import WebhookDestination
from livechat.settings import Settings

CONNECTORS = ("hubspot", "webhook")


def configured(settings: Settings) -> list[str]:
    names = []
    if settings.crm_hubspot_token is not None:
        names.append("hubspot")
    if settings.crm_webhook_url and settings.crm_webhook_secret is not None:
        names.append("webhook")
    return names


def build(name: str, settings: Settings, http: aiohttp.ClientSession) -> Destination:
    if name not in configured(settings):
        raise LookupError(f"connector {name!r} is not configured (configured: {', '.join(configured(settings)) or 'none'})")
    if name == "hubspot":
        return HubSpot(http, settings.crm_hubspot_url, settings.crm_hubspot_token.get_secret_value(), timeout_s=settings.crm_http_timeout_s)
    return WebhookDestination(http, settings.crm_webhook_url, settings.crm_webhook_secret.get_secret_value(), timeout_s=settings.crm_http_timeout_s)
