"""The chat server's HTTP client for a Rasa server. Every call has a timeout; failures become BotUnavailable."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class BotUnavailable(Exception):
    """Rasa did not answer in time, refused the connection, or answered with an error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RasaClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        *,
        webhook_path: str = "/webhooks/rest/webhook",
        timeout_s: float = 8.0,
        token: str | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._webhook_url = self._base_url + webhook_path
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._params = {"token": token} if token else {}

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One bot turn over the REST channel: the bot's messages, in order."""
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        replies = await self._request("POST", self._webhook_url, json=body)
        if not isinstance(replies, list):
            raise BotUnavailable("malformed_reply")
        return [r for r in replies if isinstance(r, dict)]

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Append tracker events, e.g. {"event": "pause"} / {"event": "resume"} for a human handoff."""
        url = f"{self._base_url}/conversations/{sender_id}/tracker/events"
        await self._request("POST", url, json=events, params={"include_events": "NONE", **self._params})

    async def replace_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Replace a conversation's tracker history (an empty list wipes it, e.g. for erasure)."""
        url = f"{self._base_url}/conversations/{sender_id}/tracker/events"
        await self._request("PUT", url, json=events, params={"include_events": "NONE", **self._params})

    async def has_user_messages(self, sender_id: str) -> bool:
        """Whether the conversation's tracker holds any message (e.g. to check an erasure)."""
        url = f"{self._base_url}/conversations/{sender_id}/tracker"
        tracker = await self._request("GET", url, params={"include_events": "ALL", **self._params})
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return any(isinstance(e, dict) and e.get("event") in ("user", "bot") for e in events or [])

    async def latest_parse(self, sender_id: str) -> dict[str, Any] | None:
        """What NLU made of the conversation's latest user message: {"intent": {...}, "entities": [...]}."""
        url = f"{self._base_url}/conversations/{sender_id}/tracker"
        tracker = await self._request("GET", url, params={"include_events": "NONE", **self._params})
        latest = tracker.get("latest_message") if isinstance(tracker, dict) else None
        return latest if isinstance(latest, dict) else None

    async def is_ready(self) -> bool:
        """True once the server answers and has a model loaded."""
        try:
            status = await self._request("GET", f"{self._base_url}/status", params=self._params)
        except BotUnavailable:
            return False
        return isinstance(status, dict) and bool(status.get("model_file"))

    async def _request(self, method: str, url: str, *, params: dict | None = None, **kwargs: Any) -> Any:
        try:
            async with self._http.request(method, url, timeout=self._timeout, params=params, **kwargs) as response:
                if response.status >= 400:
                    log.warning("rasa answered %s on %s %s", response.status, method, url)
                    raise BotUnavailable(f"http_{response.status}")
                return await response.json(content_type=None)
        except asyncio.TimeoutError as exc:
            raise BotUnavailable("timeout") from exc
        except aiohttp.ClientError as exc:
            raise BotUnavailable("unreachable") from exc
        except ValueError as exc:  # body was not JSON
            raise BotUnavailable("malformed_reply") from exc
