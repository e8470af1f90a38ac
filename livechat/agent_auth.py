"""Agent logins: short-lived access tokens (JWT) and rotated, revocable refresh tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.agent_accounts import find_by_email, hash_password, needs_rehash, password_matches
from livechat.db.models import Agent, AgentRole, AgentSession
from livechat.db.types import utcnow
from livechat.errors import Unauthorized
from livechat.interaction_log import record
from livechat.tokens import ALGORITHM
from livechat.transaction import Tx

AGENT_AUDIENCE = "livechat:agent"
REFRESH_SEPARATOR = "."


@dataclass(frozen=True)
class Principal:
    """Who is acting: the agent, their role and the login session the token belongs to."""

    agent_id: uuid.UUID
    session_id: uuid.UUID
    role: AgentRole
    expires_at: datetime

    @property
    def is_supervisor(self) -> bool:
        return self.role in (AgentRole.SUPERVISOR, AgentRole.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is AgentRole.ADMIN


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    agent: Agent


def issue_access_token(agent: Agent, session_id: uuid.UUID, *, key: str, ttl_s: int, now: datetime | None = None) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires_at = issued + timedelta(seconds=ttl_s)
    claims = {
        "sub": str(agent.id), "sid": str(session_id), "role": agent.role.value,
        "aud": AGENT_AUDIENCE, "iat": issued, "exp": expires_at,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM), expires_at


def read_access_token(token: object, *, key: str) -> Principal:
    """The principal inside a valid token; Unauthorized (code token_expired when only its time ran out)."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise Unauthorized("Log in first.")
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AGENT_AUDIENCE, options={"require": ["exp", "sub", "sid"]})
        return Principal(
            agent_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            role=AgentRole(claims["role"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Your session token has expired; refresh it.", code="token_expired") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise Unauthorized("The token is not valid.") from exc


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_refresh(session_id: uuid.UUID) -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return f"{session_id}{REFRESH_SEPARATOR}{secret}", _digest(secret)


async def login(tx: Tx, email: str, password: str, *, key: str, access_ttl_s: int, refresh_ttl_s: int) -> Tokens:
    """Check the password and open a session; the same Unauthorized for a wrong email or password."""
    agent = await find_by_email(tx.session, email)
    if not password_matches(agent, password) or agent is None or not agent.active:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    if needs_rehash(agent):
        agent.password_hash = hash_password(password)
    session_id = uuid.uuid4()
    refresh_token, refresh_hash = _new_refresh(session_id)
    expires_at = utcnow() + timedelta(seconds=refresh_ttl_s)
    tx.session.add(AgentSession(id=session_id, agent_id=agent.id, refresh_hash=refresh_hash, expires_at=expires_at))
    record(tx, "agent.logged_in", data={"agent_id": str(agent.id), "session_id": str(session_id)})
    access, access_expires = issue_access_token(agent, session_id, key=key, ttl_s=access_ttl_s)
    return Tokens(access, access_expires, refresh_token, expires_at, agent)


async def refresh(tx: Tx, refresh_token: object, *, key: str, access_ttl_s: int, refresh_ttl_s: int) -> Tokens:
    """Swap a refresh token for new tokens. A token used twice means it leaked: the session is revoked."""
    if not isinstance(refresh_token, str) or REFRESH_SEPARATOR not in refresh_token or len(refresh_token) > 200:
        raise Unauthorized("Log in again.")
    raw_id, secret = refresh_token.split(REFRESH_SEPARATOR, 1)
    try:
        session_id = uuid.UUID(raw_id)
    except ValueError:
        raise Unauthorized("Log in again.") from None
    row = await tx.session.scalar(select(AgentSession).where(AgentSession.id == session_id).with_for_update())
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthorized("Your session has ended; log in again.")
    if not hmac.compare_digest(row.refresh_hash, _digest(secret)):
        row.revoked_at = utcnow()
        record(tx, "agent.session_reuse_detected", data={"agent_id": str(row.agent_id), "session_id": str(row.id)})
        # Commit the revocation, then refuse: raising inside the transaction would roll it back.
        tx.defer_error(Unauthorized("This session was revoked because an old refresh token was reused; log in again."))
        return None  # type: ignore[return-value]
    agent = await tx.session.get(Agent, row.agent_id)
    if agent is None or not agent.active:
        raise Unauthorized("This account is disabled.")
    new_token, row.refresh_hash = _new_refresh(session_id)
    row.expires_at = utcnow() + timedelta(seconds=refresh_ttl_s)
    access, access_expires = issue_access_token(agent, session_id, key=key, ttl_s=access_ttl_s)
    return Tokens(access, access_expires, new_token, row.expires_at, agent)


async def logout(tx: Tx, principal: Principal) -> None:
    await tx.session.execute(
        update(AgentSession).where(AgentSession.id == principal.session_id, AgentSession.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    record(tx, "agent.logged_out", data={"agent_id": str(principal.agent_id), "session_id": str(principal.session_id)})
    tx.emit("agent.logged_out", principal=principal)


async def session_is_open(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """Not logged out, and its agent still active."""
    found = await session.scalar(
        select(AgentSession.id)
        .join(Agent, Agent.id == AgentSession.agent_id)
        .where(AgentSession.id == session_id, AgentSession.revoked_at.is_(None), Agent.active.is_(True))
    )
    return found is not None


async def authenticate(session: AsyncSession, token: object, *, key: str) -> Principal:
    """A valid token whose session is still open and whose agent is active; Unauthorized otherwise."""
    principal = read_access_token(token, key=key)
    if not await session_is_open(session, principal.session_id):
        raise Unauthorized("Your session has ended; log in again.")
    return principal
