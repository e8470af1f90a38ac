"""Socket event handlers answer through acks: {"ok": true, ...} or {"ok": false, "error": {...}}."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from livechat.errors import LivechatError

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[dict[str, Any]]]


def acked(handler: Handler) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Accept any arguments a client sends, and turn every outcome into an ack; never raise into socketio."""

    @functools.wraps(handler)
    async def wrapper(self: Any, sid: str, *args: Any) -> dict[str, Any]:
        data = args[0] if args else None
        try:
            return {"ok": True, **await handler(self, sid, data)}
        except LivechatError as exc:
            return {"ok": False, "error": exc.to_dict()}
        except Exception:  # noqa: BLE001 - the client gets a clear error, the log gets the trace
            log.exception("socket handler %s failed", handler.__name__)
            return {"ok": False, "error": {"code": "internal_error", "message": "Something went wrong on our side. Please retry."}}

    return wrapper
