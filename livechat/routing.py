"""Choosing an agent for a waiting conversation, and estimating the wait. Pure functions over data."""

from __future__ import annotations

import enum
import math
import statistics
import uuid
from dataclasses import dataclass
from datetime import datetime

# Used for the wait estimate until enough chats were assigned to measure one.
DEFAULT_WAIT_PER_CHAT_S = 90


class Strategy(enum.StrEnum):
    LEAST_BUSY = "least_busy"
    ROUND_ROBIN = "round_robin"


@dataclass(frozen=True)
class Candidate:
    """An online agent who could take a chat."""

    agent_id: uuid.UUID
    teams: frozenset[str]
    languages: frozenset[str]
    max_chats: int
    active_chats: int
    last_assigned_at: datetime | None

    @property
    def has_capacity(self) -> bool:
        return self.active_chats < self.max_chats


def can_serve(candidate: Candidate, team: str | None) -> bool:
    """A conversation waiting for a team needs an agent of that team; one without a team, anyone."""
    return team is None or team in candidate.teams


def speaks(candidate: Candidate, language: str | None) -> bool:
    if not language:
        return True
    base = language.split("-", 1)[0]
    return base in candidate.languages


def pick_agent(candidates: list[Candidate], *, team: str | None, language: str | None, strategy: Strategy) -> Candidate | None:
    """The agent to assign, or None if nobody suitable has capacity.

    Agents of the right team who speak the conversation's language come first; if none of them has
    room, any agent of the team does (a chat answered in English beats a chat nobody answers).
    """
    able = [c for c in candidates if c.has_capacity and can_serve(c, team)]
    if not able:
        return None
    fluent = [c for c in able if speaks(c, language)]
    pool = fluent or able

    def waited_longest(c: Candidate) -> tuple[int, float, str]:
        never = c.last_assigned_at is None
        return (0 if never else 1, c.last_assigned_at.timestamp() if c.last_assigned_at else 0.0, str(c.agent_id))

    if strategy is Strategy.ROUND_ROBIN:
        return min(pool, key=waited_longest)
    # Least busy by share of capacity used; ties go to whoever waited longest.
    return min(pool, key=lambda c: (c.active_chats / c.max_chats, *waited_longest(c)))


def estimate_wait_s(position: int, recent_waits_s: list[float], agents_available: int) -> int:
    """Expected seconds until the conversation at `position` (1 = next) gets an agent.

    Uses the median of recently measured waits per place in line; with several agents the line moves
    that many places at a time.
    """
    per_chat = statistics.median(recent_waits_s) if recent_waits_s else DEFAULT_WAIT_PER_CHAT_S
    rounds = math.ceil(position / max(agents_available, 1))
    return max(5, int(round(per_chat * rounds)))
