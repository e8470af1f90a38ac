"""Socket event handlers answer through acks: {"ok": true, ...} or {"ok": false, "error": {...}}."""

from __future__ import annotations

import functools
import math
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
import structlog

from livechat.errors import LivechatError
from livechat.rate_limit import MemoryRateLimiter
from livechat.realtime.wire import TOO_DEEP_EVENT

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[dict[str, Any]]]


def acked(handler: Handler) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Accept any arguments a client sends, and turn every outcome into an ack; never raise into socketio."""

    event_name = handler.__name__.removeprefix("on_")

    @functools.wraps(handler)
    async def wrapper(self: Any, sid: str, *args: Any) -> dict[str, Any]:
        data = args[0] if args else None
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        # Log lines while handling carry the event, the socket and the conversation (structured logs). Each
        # event runs in a task of its own, so only these keys can carry another event's values (Ellipsis
        # unsets one): set, not cleared first, as clearing walks every context variable at every event.
        structlog.contextvars.bind_contextvars(
            socket_event=event_name, sid=sid, conversation_id=conversation_id[:64] if isinstance(conversation_id, str) else Ellipsis,
        )
        try:
            return {"ok": True, **await handler(self, sid, data)}
        except LivechatError as exc:
            self._services.metrics.error("socket", exc.code)
            return {"ok": False, "error": exc.to_dict()}
        except Exception:  # noqa: BLE001 - the client gets a clear error, the log gets the trace
            log.exception("socket handler %s failed", handler.__name__)
            self._services.metrics.error("socket", "internal_error")
            return {"ok": False, "error": {"code": "internal_error", "message": "Something went wrong on our side. Please retry."}}

    return wrapper


LIFECYCLE = frozenset({"connect", "disconnect"})
EVENT_WINDOW_S = 10


class AckingNamespace(socketio.AsyncNamespace):
    """A namespace that answers an event it has no handler for with an error ack, instead of silence, and
    limits how many events one connection may send (in this node's memory: a connection lives on one node)."""

    def __init__(self, namespace: str, *, events_per_10s: int) -> None:
        super().__init__(namespace)
        self._events_per_window = events_per_10s
        self._event_counts = MemoryRateLimiter()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event not in LIFECYCLE and args:
            retry_after = await self._event_counts.hit(f"{args[0]}", limit=self._events_per_window, window_s=EVENT_WINDOW_S)
            if retry_after is not None:
                seconds = math.ceil(retry_after)
                return {"ok": False, "error": {"code": "rate_limited", "message": f"Too many events; try again in {seconds} s.",
                                               "retry_after_s": seconds}}
        if event == TOO_DEEP_EVENT:
            return {"ok": False, "error": {"code": "payload_too_deep", "message": "The payload is nested too deeply."}}
        if event not in LIFECYCLE and not hasattr(self, f"on_{event}"):
            shown = event[:40] if isinstance(event, str) else "?"
            return {"ok": False, "error": {"code": "unknown_event", "message": f'There is no "{shown}" event here.'}}
        return await super().trigger_event(event, *args)
