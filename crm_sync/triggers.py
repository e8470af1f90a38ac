"""The chat server's side of CRM sync: privacy changes queue a sync at once instead of waiting for the
schedule. The sync itself reads erasures and withdrawals from the event log, so a trigger that is lost
(the server stopped right after the commit) only delays the deletion until the next scheduled run."""

from __future__ import annotations

import logging

from arq.connections import ArqRedis

from crm_sync import connectors
from crm_sync.jobs import enqueue
from livechat.settings import Settings
from livechat.transaction import DomainEvent

log = logging.getLogger(__name__)


def is_privacy_change(event: dict) -> bool:
    if event["type"] == "customer.erased":
        return True
    data = event.get("data") or {}
    return event["type"] == "consent.changed" and data.get("granted") is False


class CrmTrigger:
    def __init__(self, redis: ArqRedis, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings

    async def _kick(self, reason: str) -> None:
        for name in connectors.configured(self._settings):
            queued = await enqueue(self._redis, self._settings, name)
            log.info("%s: CRM sync of %s %s", reason, name, "queued" if queued else "already queued")

    async def on_recorded(self, event: DomainEvent) -> None:
        if any(is_privacy_change(e) for e in event.data["events"]):
            await self._kick("consent withdrawn")
