"""Agent accounts: creating them, hashing and checking passwords (argon2)."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import Agent, AgentRole
from livechat.errors import Conflict
from livechat.interaction_log import record
from livechat.transaction import Tx

_hasher = PasswordHasher()
# Checked when the email is unknown, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

SKILL_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
MIN_PASSWORD_CHARS = 8


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=MIN_PASSWORD_CHARS, max_length=1024)
    role: AgentRole = AgentRole.AGENT
    teams: list[str] = Field(default_factory=list, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=20)
    max_chats: int = Field(5, ge=1, le=100)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("teams", "languages")
    @classmethod
    def _skills(cls, values: list[str]) -> list[str]:
        import re

        cleaned = sorted({v.strip().lower() for v in values})
        bad = [v for v in cleaned if not re.match(SKILL_PATTERN, v)]
        if bad:
            raise ValueError(f"not a valid name: {bad[0]!r} (lowercase letters, digits, - and _)")
        return cleaned


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(agent: Agent | None, password: str) -> bool:
    """Check a password in constant-ish time whether or not the agent exists."""
    try:
        return _hasher.verify(agent.password_hash if agent else _DUMMY_HASH, password) and agent is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(agent: Agent) -> bool:
    return _hasher.check_needs_rehash(agent.password_hash)


async def find_by_email(session: AsyncSession, email: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.email == email.strip().lower()))


async def create_agent(tx: Tx, data: AgentIn) -> Agent:
    """Create an account; Conflict if the email is taken."""
    if await find_by_email(tx.session, data.email) is not None:
        raise Conflict("An agent with that email exists.", code="duplicate_email")
    agent = Agent(
        email=data.email,
        name=data.name.strip(),
        password_hash=hash_password(data.password),
        role=data.role,
        teams=data.teams,
        languages=data.languages,
        max_chats=data.max_chats,
    )
    tx.session.add(agent)
    await tx.session.flush()
    record(tx, "agent.created", data={"agent_id": str(agent.id), "role": agent.role.value})
    return agent


def agent_to_wire(agent: Agent, *, status: str = "offline", active_chats: int = 0) -> dict[str, Any]:
    return {
        "id": str(agent.id),
        "email": agent.email,
        "name": agent.name,
        "role": agent.role.value,
        "teams": list(agent.teams or []),
        "languages": list(agent.languages or []),
        "max_chats": agent.max_chats,
        "status": status,
        "active_chats": active_chats,
    }
