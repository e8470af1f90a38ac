"""What an agent does with a conversation. Each operation checks the role first, then acts in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from livechat.agent_auth import Principal
from livechat.db.models import Agent, Conversation, ConversationState as S, Message
from livechat.db.types import utcnow
from livechat.errors import Forbidden, NotFound, Unauthorized
from livechat.handoff import RESOLUTION_PATTERN, do_assign, do_close, do_handback, do_queue
from livechat.messages import lock_conversation
from livechat.permissions import check_can_act, check_can_claim, check_can_view, check_role
from livechat.read_receipts import mark_read
from livechat.transaction import Tx

TEAM_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class ConversationRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    conversation_id: uuid.UUID


class AgentMessageIn(ConversationRef):
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    text: str = Field(max_length=100_000)


class TypingIn(ConversationRef):
    typing: bool


class ReadIn(ConversationRef):
    seq: int = Field(ge=0, le=2**31 - 1)


class TransferIn(ConversationRef):
    agent_id: uuid.UUID | None = None
    team: str | None = Field(None, pattern=TEAM_PATTERN)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.agent_id is None) == (self.team is None):
            raise ValueError("give either agent_id or team")
        return self


class HandbackIn(ConversationRef):
    resolution: str | None = Field(None, pattern=RESOLUTION_PATTERN)
    note: str | None = Field(None, max_length=500)


class CloseIn(ConversationRef):
    resolution: str = Field("resolved", pattern=RESOLUTION_PATTERN)


async def acting_agent(tx: Tx, principal: Principal) -> Agent:
    agent = await tx.session.get(Agent, principal.agent_id)
    if agent is None or not agent.active:
        raise Unauthorized("This account is disabled.")
    return agent


async def _locked(tx: Tx, conversation_id: uuid.UUID) -> Conversation:
    try:
        return await lock_conversation(tx, conversation_id)
    except NotFound:
        # The same answer as for someone else's conversation, so ids cannot be probed.
        raise Forbidden("That conversation is handled by someone else.") from None


async def claim(tx: Tx, principal: Principal, request: ConversationRef) -> Conversation:
    """Take a waiting conversation, or take over one the bot is on."""
    agent = await acting_agent(tx, principal)
    conv = await _locked(tx, request.conversation_id)
    if conv.state is S.ASSIGNED and conv.assignee_id == agent.id:
        return conv
    check_can_claim(principal, agent, conv)
    reason = "taken_over" if conv.state is S.BOT else "claimed"
    await do_assign(tx, conv, agent, reason=reason, actor=f"agent:{agent.id}")
    return conv


def agent_may_write(principal: Principal) -> Callable[[Conversation], None]:
    """The message writer's check for an agent's message: their own assigned chat (supervisors: any)."""
    def check(conv: Conversation) -> None:
        check_can_act(principal, conv)
    return check


def after_agent_message(tx: Tx, conv: Conversation, message: Message) -> None:
    if conv.first_agent_reply_at is None:
        conv.first_agent_reply_at = utcnow()
    # Writing a reply means having read everything before it.
    mark_read(tx, conv, reader="agent", seq=message.seq)


async def transfer(tx: Tx, principal: Principal, request: TransferIn) -> Conversation:
    await acting_agent(tx, principal)
    conv = await _locked(tx, request.conversation_id)
    check_can_act(principal, conv)
    actor = f"agent:{principal.agent_id}"
    if request.agent_id is not None:
        target = await tx.session.get(Agent, request.agent_id, with_for_update=True)
        if target is None or not target.active:
            raise NotFound("No such agent.", code="agent_not_found")
        if target.id == conv.assignee_id:
            return conv
        await do_assign(tx, conv, target, reason="transferred", actor=actor)
        tx.emit("conversation.transferred", conversation=conv, to_agent_id=target.id, by=principal.agent_id)
    else:
        await do_queue(tx, conv, reason=f"transfer:{request.team}", actor=actor, team=request.team)
    return conv


async def handback(tx: Tx, principal: Principal, request: HandbackIn) -> Conversation:
    await acting_agent(tx, principal)
    conv = await _locked(tx, request.conversation_id)
    check_can_act(principal, conv)
    await do_handback(tx, conv, resolution=request.resolution, note=request.note, actor=f"agent:{principal.agent_id}")
    return conv


async def close(tx: Tx, principal: Principal, request: CloseIn) -> Conversation:
    await acting_agent(tx, principal)
    conv = await _locked(tx, request.conversation_id)
    if conv.state is S.CLOSED:
        return conv
    if conv.state is S.ASSIGNED:
        check_can_act(principal, conv)
    else:
        check_role(principal, supervisor=True)
    await do_close(tx, conv, resolution=request.resolution, actor=f"agent:{principal.agent_id}")
    return conv


async def read_by_agent(tx: Tx, principal: Principal, request: ReadIn) -> None:
    agent = await acting_agent(tx, principal)
    conv = await _locked(tx, request.conversation_id)
    check_can_view(principal, agent, conv)
    if conv.state is S.ASSIGNED and conv.assignee_id != principal.agent_id:
        return  # a supervisor looking in does not count as the agent having read it
    mark_read(tx, conv, reader="agent", seq=request.seq)


async def viewable(tx_session, principal: Principal, conversation_id: uuid.UUID) -> Conversation:
    """The conversation if this agent may see it; Forbidden otherwise (also for unknown ids)."""
    agent = await tx_session.get(Agent, principal.agent_id)
    conv = await tx_session.scalar(select(Conversation).where(Conversation.id == conversation_id))
    if agent is None or not agent.active:
        raise Unauthorized("This account is disabled.")
    if conv is None:
        raise Forbidden("That conversation is handled by someone else.")
    check_can_view(principal, agent, conv)
    return conv
