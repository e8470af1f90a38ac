"""Prometheus metrics of one server node, served at /metrics.

Each app has its own registry (several apps may live in one test process). Counters and histograms are
updated where things happen; connections and the queue are read when Prometheus scrapes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from livechat.db.models import Conversation, ConversationState
from livechat.transaction import DomainEvent

NAMESPACES = ("/visitor", "/agent")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge("livechat_connections", "Open socket.io connections on this node.", ["namespace"], registry=self.registry)
        self.messages = Counter("livechat_messages_total", "Chat messages stored, by sender.", ["sender"], registry=self.registry)
        self.bot_latency = Histogram(
            "livechat_bot_turn_seconds", "Time Rasa took to answer one turn (failures included).", ["outcome"],
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=self.registry,
        )
        self.queue_length = Gauge("livechat_queue_length", "Conversations waiting for a person.", registry=self.registry)
        self.errors = Counter("livechat_errors_total", "Errors answered to clients, by code and channel.", ["channel", "code"],
                              registry=self.registry)
        self.events = Counter("livechat_interaction_events_total", "Interaction events recorded into profiles.", registry=self.registry)

    async def on_message_created(self, event: DomainEvent) -> None:
        self.messages.labels(event.data["message"].sender_kind.value).inc()

    async def on_interactions_recorded(self, event: DomainEvent) -> None:
        self.events.inc(len(event.data["events"]))

    def error(self, channel: str, code: str) -> None:
        self.errors.labels(channel, code).inc()

    async def render(self, sio, sessions) -> bytes:
        """The exposition text, with the values read at scrape time brought up to date."""
        rooms = getattr(sio.manager, "rooms", {})
        for namespace in NAMESPACES:
            self.connections.labels(namespace).set(len(rooms.get(namespace, {}).get(None, {})))
        async with sessions() as session:
            waiting = await session.scalar(select(func.count()).select_from(Conversation).where(
                Conversation.state == ConversationState.QUEUED, Conversation.offline_at.is_(None)))
        self.queue_length.set(waiting or 0)
        return generate_latest(self.registry)
