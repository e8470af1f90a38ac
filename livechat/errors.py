"""The one error type the outside world sees: a code, an HTTP status, a message and data fields."""

from __future__ import annotations

from typing import Any


class LivechatError(Exception):
    """Raised by operations; mapped once to HTTP responses and once to socket acks."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.data}


class InvalidInput(LivechatError):
    code = "invalid_payload"
    status = 400


class Unauthorized(LivechatError):
    code = "unauthorized"
    status = 401


class Forbidden(LivechatError):
    code = "forbidden"
    status = 403


class NotFound(LivechatError):
    code = "not_found"
    status = 404


class Conflict(LivechatError):
    code = "conflict"
    status = 409
