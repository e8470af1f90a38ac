"""Signed visitor tokens: the only thing that ties a socket to a visitor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from livechat.errors import Unauthorized

ALGORITHM = "HS256"
VISITOR_AUDIENCE = "livechat:visitor"


def issue_visitor_token(visitor_id: uuid.UUID, *, key: str, ttl_s: int, now: datetime | None = None) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires_at = issued + timedelta(seconds=ttl_s)
    claims = {"sub": str(visitor_id), "aud": VISITOR_AUDIENCE, "iat": issued, "exp": expires_at}
    return jwt.encode(claims, key, algorithm=ALGORITHM), expires_at


def read_visitor_token(token: object, *, key: str) -> uuid.UUID:
    """The visitor id inside a valid token; Unauthorized for anything forged, expired or malformed."""
    if not isinstance(token, str) or not token or len(token) > 2048:
        raise Unauthorized("A visitor token is required.")
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=VISITOR_AUDIENCE, options={"require": ["exp", "sub"]})
        return uuid.UUID(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The visitor token has expired.", code="token_expired") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthorized("The visitor token is not valid.") from exc
