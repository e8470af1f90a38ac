"""The ownership state machine: allowed moves, idempotent repeats, and no two owners under races."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Agent, Conversation, ConversationState as S, InteractionEvent, Visitor
from livechat.errors import Conflict
from livechat.ownership import check_transition, do_transition
from livechat.transaction import EventBus, transaction


@pytest.mark.parametrize(
    ("current", "target", "assignee"),
    [(S.BOT, S.QUEUED, None), (S.QUEUED, S.ASSIGNED, "a1"), (S.ASSIGNED, S.BOT, None), (S.ASSIGNED, S.CLOSED, None),
     (S.CLOSED, S.BOT, None), (S.BOT, S.ASSIGNED, "a1")],
)
def test_allowed_moves_change_state(current, target, assignee):
    assert check_transition(current, "a0" if current is S.ASSIGNED else None, target, assignee) is True


@pytest.mark.parametrize(("current", "target"), [(S.CLOSED, S.QUEUED), (S.CLOSED, S.ASSIGNED), (S.QUEUED, S.QUEUED)])
def test_forbidden_moves_raise(current, target):
    if current is target:
        # queued → queued is a repeat, not a conflict
        assert check_transition(current, None, target, None) is False
        return
    with pytest.raises(Conflict) as err:
        check_transition(current, None, target, "a1" if target is S.ASSIGNED else None)
    assert err.value.code == "invalid_transition"


def test_assigning_needs_an_agent():
    with pytest.raises(Conflict):
        check_transition(S.QUEUED, None, S.ASSIGNED, None)


@pytest.fixture
async def conversation(pg_backend):
    engine = create_engine(pg_backend.database_url)
    sessions = create_session_factory(engine)
    bus = EventBus()
    published: list = []

    async def remember(event):
        published.append(event)

    bus.subscribe("conversation.state_changed", remember)
    async with transaction(sessions, bus) as tx:
        visitor = Visitor()
        tx.session.add(visitor)
        await tx.session.flush()
        conv = Conversation(visitor_id=visitor.id, state=S.BOT)
        tx.session.add(conv)
        agents = [Agent(email=f"a{i}@test.shop", name=f"Agent {i}", password_hash="x") for i in range(8)]
        tx.session.add_all(agents)
        await tx.session.flush()
    yield sessions, bus, conv.id, published, [a.id for a in agents]
    await engine.dispose()


async def _events(sessions, conv_id) -> int:
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(InteractionEvent).where(
                InteractionEvent.conversation_id == conv_id, InteractionEvent.type == "conversation.state_changed"
            )
        )


async def test_repeating_a_transition_is_a_no_op(conversation):
    sessions, bus, conv_id, published, agent_ids = conversation
    async with transaction(sessions, bus) as tx:
        first = await do_transition(tx, conv_id, S.QUEUED, reason="visitor_request", expected_version=1)
    async with transaction(sessions, bus) as tx:
        again = await do_transition(tx, conv_id, S.QUEUED, reason="visitor_request", expected_version=1)
    assert first.changed and first.version == 2
    assert not again.changed and again.version == 2
    assert await _events(sessions, conv_id) == 1
    assert len(published) == 1


async def test_stale_version_is_refused(conversation):
    sessions, bus, conv_id, _, agent_ids = conversation
    async with transaction(sessions, bus) as tx:
        await do_transition(tx, conv_id, S.QUEUED, reason="test", expected_version=1)
    with pytest.raises(Conflict) as err:
        async with transaction(sessions, bus) as tx:
            await do_transition(tx, conv_id, S.ASSIGNED, assignee_id=agent_ids[0], reason="test", expected_version=1)
    assert err.value.code == "version_conflict"


async def test_two_nodes_racing_to_assign_give_one_owner(conversation):
    sessions, bus, conv_id, published, agent_ids = conversation
    async with transaction(sessions, bus) as tx:
        await do_transition(tx, conv_id, S.QUEUED, reason="test")

    async def claim(agent):
        try:
            async with transaction(sessions, bus) as tx:
                return await do_transition(tx, conv_id, S.ASSIGNED, assignee_id=agent, reason="claim", expected_version=2)
        except Conflict:
            return None

    results = await asyncio.gather(*(claim(agent_id) for agent_id in agent_ids))
    winners = [r for r in results if r is not None and r.changed]
    assert len(winners) == 1
    async with sessions() as session:
        conv = await session.get(Conversation, conv_id)
    assert conv.state is S.ASSIGNED and conv.assignee_id == winners[0].assignee_id and conv.state_version == 3
    assert await _events(sessions, conv_id) == 2


async def test_nothing_is_announced_when_the_transaction_rolls_back(conversation):
    sessions, bus, conv_id, published, agent_ids = conversation
    with pytest.raises(RuntimeError):
        async with transaction(sessions, bus) as tx:
            await do_transition(tx, conv_id, S.CLOSED, reason="test")
            raise RuntimeError("boom")
    assert published == []
    async with sessions() as session:
        assert (await session.get(Conversation, conv_id)).state is S.BOT
