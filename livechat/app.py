"""The app factory: one aiohttp application with socket.io attached, resources opened and closed in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.client import RasaClient
from livechat.api import (
    agent_data, agent_session, bot_data, customer_rights, health, metrics, offers, openapi, pages, profiles, segments, shop_webhooks,
    visitor_session,
)
from livechat.api.appkeys import BOT_BRIDGE, DISPATCHER, INGESTOR, PRESENCE, RASA, RATE_LIMITER, REDIS, SERVICES
from livechat.api.cors import cors_middleware
from livechat.api.errors import error_middleware
from livechat.bot_bridge import BotBridge
from livechat.db.engine import create_engine, create_session_factory
from livechat.dispatch import Dispatcher
from livechat.event_ingest import EventIngestor
from livechat.language_detection import LanguageDetector
from livechat.message_follower import MessageFollower
from livechat.message_writer import MessageWriter
from livechat.offer_triggers import OfferTriggers, run_offer_sweep
from livechat.presence import MemoryPresence, RedisPresence
from livechat.rate_limit import MemoryRateLimiter, RedisRateLimiter
from livechat.realtime.agent_namespace import AgentNamespace
from livechat.retention import run_retention
from livechat.segments import run_segment_refresh
from livechat.realtime.broadcast import Broadcaster
from livechat.realtime.emitting import RedisInlineEmit
from livechat.realtime.server import create_socketio
from livechat.realtime.visitor_namespace import VisitorNamespace
from livechat.routing import Strategy
from livechat.services import Services
from livechat.settings import Settings
from livechat.transaction import EventBus
from livechat.visitor_privacy import may_track


def create_app(settings: Settings) -> web.Application:
    engine = create_engine(settings.database_url)
    sio = create_socketio(settings)
    services = Services(settings=settings, engine=engine, sessions=create_session_factory(engine), bus=EventBus(), sio=sio)
    # Presence and rate limits are shared through Redis when there are several nodes, in memory otherwise.
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    presence = RedisPresence(redis, settings.redis_channel) if redis else MemoryPresence()
    limiter = RedisRateLimiter(redis, settings.redis_channel) if redis else MemoryRateLimiter()

    broadcaster = Broadcaster(sio, services)
    dispatcher = Dispatcher(
        services, presence, strategy=Strategy(settings.routing_strategy), grace_s=settings.agent_grace_s,
        sweep_s=settings.router_sweep_s, queue_notifier=broadcaster,
    )
    bus = services.bus
    if isinstance(sio.manager, RedisInlineEmit):
        bus.around = sio.manager.together
    bus.subscribe("message.created", broadcaster.on_message_created)
    bus.subscribe("conversation.state_changed", broadcaster.on_state_changed)
    bus.subscribe("conversation.state_changed", dispatcher.on_state_changed)
    bus.subscribe("conversation.offline_message", broadcaster.on_offline_message)
    bus.subscribe("conversation.read", broadcaster.on_read)
    bus.subscribe("agent.logged_out", broadcaster.on_logged_out)
    bus.subscribe("message.created", services.metrics.on_message_created)
    follower = MessageFollower(services.transaction)
    bus.subscribe("message.created", follower.on_message_created)
    bus.subscribe("interactions.recorded", services.metrics.on_interactions_recorded)
    offer_triggers = OfferTriggers(services.transaction, cart_idle_s=settings.offers_cart_idle_s,
                                   attribution_days=settings.offers_attribution_days, min_gap_s=settings.offers_min_gap_s)
    bus.subscribe("interactions.recorded", offer_triggers.on_interactions)

    app = web.Application(middlewares=[error_middleware, cors_middleware(settings), pages.security_headers], client_max_size=256 * 1024)
    app[SERVICES] = services
    app[PRESENCE] = presence
    app[RATE_LIMITER] = limiter
    app[DISPATCHER] = dispatcher
    if redis is not None:
        app[REDIS] = redis
    sio.attach(app)
    writer = MessageWriter(services)
    ingestor = EventIngestor(services.transaction, lambda visitor: may_track(visitor, settings))
    app[INGESTOR] = ingestor
    languages = LanguageDetector(settings.language_detection) if settings.language_detection != "off" else None
    sio.register_namespace(VisitorNamespace(services, broadcaster, writer, ingestor, limiter, languages))
    sio.register_namespace(AgentNamespace(services, presence, broadcaster, dispatcher, writer))
    for module in (visitor_session, agent_session, agent_data, profiles, customer_rights, segments, offers, openapi, bot_data,
                   shop_webhooks, health, metrics, pages):
        module.add_routes(app)

    async def database(app: web.Application) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    async def redis_client(app: web.Application) -> AsyncIterator[None]:
        yield
        if redis is not None:
            await redis.aclose()

    async def bot(app: web.Application) -> AsyncIterator[None]:
        # Pool sized for the bridge's concurrency, so turns wait on our semaphore, not inside aiohttp.
        connector = aiohttp.TCPConnector(limit=settings.rasa_max_concurrency + 8)
        async with aiohttp.ClientSession(connector=connector) as http:
            rasa = RasaClient(
                http,
                settings.rasa_url,
                webhook_path=settings.rasa_webhook_path,
                timeout_s=settings.rasa_timeout_s,
                token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
            )
            bridge = BotBridge(rasa, services.transaction, broadcaster, max_concurrency=settings.rasa_max_concurrency, settings=settings,
                               metrics=services.metrics)
            bus.subscribe("message.created", bridge.on_message_created)
            bus.subscribe("conversation.state_changed", bridge.on_state_changed)
            bus.subscribe("conversation.handed_back", bridge.on_handed_back)
            app[RASA] = rasa
            app[BOT_BRIDGE] = bridge
            yield
            await bridge.close()

    async def router(app: web.Application) -> AsyncIterator[None]:
        if not sio.manager_initialized:
            # Start the Redis listener now, not on the first connection, so /health can watch it from the start.
            sio.manager_initialized = True
            sio.manager.initialize()
        if languages is not None:
            await languages.load()
        writer.start()
        follower.start()
        ingestor.start()
        dispatcher.start()
        yield
        await dispatcher.close()
        await ingestor.close()
        await writer.close()
        await follower.close()
        if languages is not None:
            await languages.close()

    async def retention(app: web.Application) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(run_segment_refresh(services.transaction), name="segment-refresh"),
            asyncio.create_task(run_offer_sweep(offer_triggers, every_s=settings.offers_sweep_s), name="offer-sweep"),
        ]
        if settings.retention_days:
            tasks.append(asyncio.create_task(run_retention(services.transaction, settings.retention_days), name="retention"))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def crm_trigger(app: web.Application) -> AsyncIterator[None]:
        # Erasures and consent withdrawals reach the CRMs promptly through the crm-sync worker's queue.
        from crm_sync.connectors import configured

        if not settings.redis_url or not configured(settings):
            yield
            return
        from crm_sync.jobs import pool
        from crm_sync.triggers import CrmTrigger

        arq_redis = await pool(settings)
        trigger = CrmTrigger(arq_redis, settings)
        bus.subscribe("interactions.recorded", trigger.on_recorded)
        yield
        await arq_redis.aclose()

    app.cleanup_ctx.extend([database, redis_client, bot, router, retention, crm_trigger])
    return app
