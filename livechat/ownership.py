"""Who owns a conversation: a versioned state machine (bot → queued → assigned → bot, or closed).

Every change is a compare-and-set on `state_version`, so two nodes or a late webhook can never
give one conversation two owners; repeating a change that already happened is a no-op.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from livechat.db.models import Conversation, ConversationState as S
from livechat.db.types import utcnow
from livechat.errors import Conflict, NotFound
from livechat.interaction_log import record
from livechat.transaction import Tx

ALLOWED: dict[S, frozenset[S]] = {
    S.BOT: frozenset({S.QUEUED, S.ASSIGNED, S.CLOSED}),
    S.QUEUED: frozenset({S.ASSIGNED, S.BOT, S.CLOSED}),
    # assigned → assigned is a transfer to another agent.
    S.ASSIGNED: frozenset({S.ASSIGNED, S.QUEUED, S.BOT, S.CLOSED}),
    S.CLOSED: frozenset({S.BOT}),
}


@dataclass(frozen=True)
class Transition:
    conversation_id: uuid.UUID
    from_state: S
    to_state: S
    version: int
    assignee_id: uuid.UUID | None
    changed: bool


def check_transition(current: S, current_assignee: uuid.UUID | None, target: S, assignee_id: uuid.UUID | None) -> bool:
    """True if the move changes something, False if it already happened; raises Conflict if not allowed."""
    if target is S.ASSIGNED and not assignee_id:
        raise Conflict("Assigning needs an agent.", code="assignee_required")
    if target is not S.ASSIGNED and assignee_id is not None:
        raise Conflict("Only an assigned conversation has an agent.", code="unexpected_assignee")
    if current is target and current_assignee == assignee_id:
        return False
    if target not in ALLOWED[current]:
        raise Conflict(
            f"A conversation in state {current.value} cannot move to {target.value}.",
            code="invalid_transition",
            state=current.value,
        )
    return True


async def do_transition(
    tx: Tx,
    conversation_id: uuid.UUID,
    target: S,
    *,
    reason: str,
    expected_version: int | None = None,
    assignee_id: uuid.UUID | None = None,
    actor: str = "system",
) -> Transition:
    """Move a conversation to `target` if its version still matches; record it and announce it after commit.

    expected_version: the version the caller based its decision on. None means "whatever it is now",
    for the server's own decisions made inside this transaction.
    """
    conv = await tx.session.scalar(select(Conversation).where(Conversation.id == conversation_id).with_for_update())
    if conv is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    if not check_transition(conv.state, conv.assignee_id, target, assignee_id):
        return Transition(conv.id, conv.state, conv.state, conv.state_version, conv.assignee_id, changed=False)
    if expected_version is not None and expected_version != conv.state_version:
        raise Conflict(
            "The conversation changed meanwhile.",
            code="version_conflict",
            state=conv.state.value,
            version=conv.state_version,
        )
    now = utcnow()
    values: dict = {
        "state": target,
        "state_version": conv.state_version + 1,
        "assignee_id": assignee_id,
        "updated_at": now,
        "closed_at": now if target is S.CLOSED else None,
    }
    result = await tx.session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.state_version == conv.state_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("The conversation changed meanwhile.", code="version_conflict")
    from_state = conv.state
    await tx.session.refresh(conv)
    transition = Transition(conv.id, from_state, target, conv.state_version, assignee_id, changed=True)
    record(
        tx,
        "conversation.state_changed",
        visitor_id=conv.visitor_id,
        conversation_id=conv.id,
        data={"from": from_state.value, "to": target.value, "version": conv.state_version,
              "assignee_id": str(assignee_id) if assignee_id else None, "reason": reason, "actor": actor},
    )
    tx.emit("conversation.state_changed", conversation=conv, transition=transition, reason=reason)
    return transition
