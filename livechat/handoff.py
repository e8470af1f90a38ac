"""Who talks to the visitor: queueing for a person, assigning, transferring, handing back to the bot, closing.

Every operation takes a conversation locked by the caller's transaction, moves it through
livechat.ownership, says what happened in the chat as a system message, and announces it after commit.
"""

from __future__ import annotations


from livechat.db.models import Agent, Conversation, ConversationState as S, SenderKind
from livechat.db.types import utcnow
from livechat.messages import append_message
from livechat.ownership import Transition, do_transition
from livechat.system_texts import system_text
from livechat.transaction import Tx

RESOLUTION_PATTERN = r"^[a-z0-9_]{1,32}$"


async def _say(tx: Tx, conv: Conversation, key: str, payload: dict, **values: str) -> None:
    await append_message(tx, conv, SenderKind.SYSTEM, text=system_text(key, conv.language, **values), payload=payload)


async def do_queue(
    tx: Tx, conv: Conversation, *, reason: str, actor: str, team: str | None = None, say: str | None = "handoff_queued",
    previous_agent: Agent | None = None,
) -> Transition:
    """Put a conversation in line for a person (from the bot, an agent who left, or a team transfer)."""
    if conv.state is not S.QUEUED:
        # Said before the move, so the visitor reads why before the queue notices that follow it.
        if say == "agent_left" and previous_agent is not None:
            await _say(tx, conv, "agent_left", {"type": "agent_left"}, name=previous_agent.name)
        elif say:
            await _say(tx, conv, say, {"type": "queued"})
    transition = await do_transition(tx, conv.id, S.QUEUED, reason=reason, actor=actor)
    if transition.changed:
        conv.queued_at = utcnow()
        conv.handoff_reason = reason.split(":", 1)[0]
        conv.team = team
        conv.offline_at = None
    return transition


async def do_assign(
    tx: Tx, conv: Conversation, agent: Agent, *, reason: str, actor: str, expected_version: int | None = None
) -> Transition:
    """Give a conversation to an agent (claim, dispatch or transfer); the visitor is told who joined."""
    transition = await do_transition(
        tx, conv.id, S.ASSIGNED, reason=reason, actor=actor, assignee_id=agent.id, expected_version=expected_version
    )
    if transition.changed:
        now = utcnow()
        conv.assigned_at = now
        conv.agent_involved = True
        if transition.from_state is S.BOT:  # taken over straight from the bot: it "waited" no time
            conv.queued_at = now
            conv.handoff_reason = reason
        agent.last_assigned_at = now
        await _say(tx, conv, "agent_joined", {"type": "agent_joined", "agent_name": agent.name}, name=agent.name)
    return transition


async def do_handback(tx: Tx, conv: Conversation, *, resolution: str | None, note: str | None, actor: str) -> Transition:
    """Return the conversation to the bot, which resumes with what the agent resolved."""
    transition = await do_transition(tx, conv.id, S.BOT, reason="handback", actor=actor)
    if transition.changed:
        conv.team = None
        await _say(tx, conv, "bot_back", {"type": "bot_back"})
        tx.emit("conversation.handed_back", conversation=conv, resolution=resolution, note=note)
    return transition


async def do_close(tx: Tx, conv: Conversation, *, resolution: str, actor: str) -> Transition:
    transition = await do_transition(tx, conv.id, S.CLOSED, reason=f"closed:{resolution}", actor=actor)
    if transition.changed:
        conv.resolution = resolution
        await _say(tx, conv, "closed", {"type": "closed", "resolution": resolution})
    return transition
