"""What an agent's role lets them see and do with a conversation. Every agent operation asks here first."""

from __future__ import annotations

from livechat.agent_auth import Principal
from livechat.db.models import Agent, Conversation, ConversationState as S
from livechat.errors import Forbidden


def in_reach(agent: Agent, conv: Conversation) -> bool:
    """A conversation an agent could pick up: with the bot, or waiting for a team they are in (or no team)."""
    return conv.state in (S.BOT, S.QUEUED) and (conv.team is None or conv.team in (agent.teams or []))


def can_view(principal: Principal, agent: Agent, conv: Conversation) -> bool:
    if principal.is_supervisor or conv.assignee_id == principal.agent_id:
        return True
    # Closed conversations are the shop's shared history; others' live chats are theirs alone.
    return in_reach(agent, conv) or conv.state is S.CLOSED


def check_can_view(principal: Principal, agent: Agent, conv: Conversation) -> None:
    if not can_view(principal, agent, conv):
        raise Forbidden("That conversation is handled by someone else.")


def check_can_claim(principal: Principal, agent: Agent, conv: Conversation) -> None:
    if principal.is_supervisor and conv.state in (S.BOT, S.QUEUED):
        return
    if not in_reach(agent, conv):
        raise Forbidden("You cannot take this conversation.", state=conv.state.value)


def check_can_act(principal: Principal, conv: Conversation) -> None:
    """Chat in, transfer, hand back or close: your own assigned conversation; supervisors any assigned one."""
    if conv.state is not S.ASSIGNED:
        raise Forbidden("Only a conversation a person is on can be handled this way.", code="not_assigned", state=conv.state.value)
    if conv.assignee_id != principal.agent_id and not principal.is_supervisor:
        raise Forbidden("That conversation is handled by someone else.")


def check_role(principal: Principal, *, supervisor: bool = False, admin: bool = False) -> None:
    if admin and not principal.is_admin:
        raise Forbidden("Only an admin can do that.")
    if supervisor and not principal.is_supervisor:
        raise Forbidden("Only a supervisor can do that.")
