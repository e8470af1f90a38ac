"""Typed application state."""

from __future__ import annotations

from aiohttp import web
from redis.asyncio import Redis

from bot.client import RasaClient
from livechat.bot_bridge import BotBridge
from livechat.dispatch import Dispatcher
from livechat.event_ingest import EventIngestor
from livechat.presence import Presence
from livechat.rate_limit import RateLimiter
from livechat.services import Services

SERVICES = web.AppKey("services", Services)
RASA = web.AppKey("rasa", RasaClient)
REDIS = web.AppKey("redis", Redis)
BOT_BRIDGE = web.AppKey("bot_bridge", BotBridge)
PRESENCE = web.AppKey("presence", Presence)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
INGESTOR = web.AppKey("ingestor", EventIngestor)
