"""The app factory: one aiohttp application with socket.io attached, resources opened and closed in order."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.client import RasaClient
from livechat.api import bot_data, health, pages, visitor_session
from livechat.api.appkeys import BOT_BRIDGE, RASA, REDIS, SERVICES
from livechat.api.cors import cors_middleware
from livechat.api.errors import error_middleware
from livechat.bot_bridge import BotBridge
from livechat.db.engine import create_engine, create_session_factory
from livechat.realtime.broadcast import Broadcaster
from livechat.realtime.server import create_socketio
from livechat.realtime.visitor_namespace import VisitorNamespace
from livechat.services import Services
from livechat.settings import Settings
from livechat.transaction import EventBus


def create_app(settings: Settings) -> web.Application:
    engine = create_engine(settings.database_url)
    sio = create_socketio(settings)
    services = Services(settings=settings, engine=engine, sessions=create_session_factory(engine), bus=EventBus(), sio=sio)
    broadcaster = Broadcaster(sio)
    services.bus.subscribe("message.created", broadcaster.on_message_created)
    services.bus.subscribe("conversation.state_changed", broadcaster.on_state_changed)

    app = web.Application(middlewares=[error_middleware, cors_middleware(settings), pages.security_headers], client_max_size=256 * 1024)
    app[SERVICES] = services
    sio.attach(app)
    sio.register_namespace(VisitorNamespace(services))
    for module in (visitor_session, bot_data, health, pages):
        module.add_routes(app)

    async def database(app: web.Application) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    async def redis(app: web.Application) -> AsyncIterator[None]:
        if settings.redis_url:
            app[REDIS] = Redis.from_url(settings.redis_url)
        yield
        if REDIS in app:
            await app[REDIS].aclose()

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
            bridge = BotBridge(rasa, services.transaction, broadcaster, max_concurrency=settings.rasa_max_concurrency)
            services.bus.subscribe("message.created", bridge.on_message_created)
            app[RASA] = rasa
            app[BOT_BRIDGE] = bridge
            yield
            await bridge.close()

    app.cleanup_ctx.extend([database, redis, bot])
    return app
