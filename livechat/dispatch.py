"""The router: assigns waiting conversations to online agents, requeues the chats of agents who left,
tells waiting visitors their place in line, and says so when nobody is online.

Runs on every node. It is woken by events (a chat queued, an agent online, capacity freed) and sweeps
on a timer as a safety net; row locks and the ownership compare-and-set make concurrent runs on
several nodes safe, so no leader election is needed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from livechat.db.models import Agent, Conversation, ConversationState as S, Message, SenderKind
from livechat.db.types import utcnow
from livechat.handoff import do_assign, do_queue
from livechat.messages import append_message, lock_conversation
from livechat.presence import Presence, Status
from livechat.routing import Candidate, Strategy, estimate_wait_s, pick_agent
from livechat.services import Services
from livechat.system_texts import system_text
from livechat.transaction import DomainEvent

log = logging.getLogger(__name__)

BATCH = 100
RECENT_WAITS = timedelta(hours=1)


class Dispatcher:
    def __init__(self, services: Services, presence: Presence, *, strategy: Strategy, grace_s: float, sweep_s: float, queue_notifier) -> None:
        self._services = services
        self._presence = presence
        self._strategy = strategy
        self._grace_s = grace_s
        self._sweep_s = sweep_s
        self._notifier = queue_notifier
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Conversations just queued, to check whether anyone is online for them (done in the loop,
        # not inside the listener, so it never reorders the events still being published).
        self._just_queued: dict[uuid.UUID, Conversation] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="dispatcher")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            swept = False
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._sweep_s)
            except TimeoutError:
                swept = True
            self._wake.clear()
            try:
                if swept:
                    await self.requeue_absent()
                await self.assign_waiting()
                just_queued, self._just_queued = self._just_queued, {}
                for conv in just_queued.values():
                    await self._tell_if_nobody_online(conv)
                await self.announce_queue()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the router must survive a failed round (e.g. the database restarting)
                log.exception("routing round failed; retrying on the next event or sweep")

    # -- event listeners -------------------------------------------------------------------------

    async def on_state_changed(self, event: DomainEvent) -> None:
        transition = event.data["transition"]
        if S.QUEUED in (transition.from_state, transition.to_state) or transition.from_state is S.ASSIGNED:
            self.wake()
        if transition.to_state is S.QUEUED and transition.changed:
            conv = event.data["conversation"]
            self._just_queued[conv.id] = conv

    async def on_agent_available(self, agent_id: uuid.UUID) -> None:
        self.wake()

    # -- the work --------------------------------------------------------------------------------

    async def _online(self) -> list[uuid.UUID]:
        return [agent for agent, status in (await self._presence.present()).items() if status is Status.ONLINE]

    async def assign_waiting(self) -> int:
        """Assign as many waiting conversations as online agents have room for; returns how many."""
        online = await self._online()
        if not online:
            return 0
        assigned = 0
        async with self._services.transaction() as tx:
            waiting = list(await tx.session.scalars(
                select(Conversation)
                .where(Conversation.state == S.QUEUED, Conversation.offline_at.is_(None))
                .order_by(Conversation.queued_at, Conversation.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ))
            if not waiting:
                return 0
            # Lock the agents before counting their chats, so two nodes cannot both fill the same last slot.
            agents = {a.id: a for a in await tx.session.scalars(
                select(Agent).where(Agent.id.in_(online), Agent.active.is_(True)).order_by(Agent.id).with_for_update()
            )}
            loads = dict((await tx.session.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.state == S.ASSIGNED, Conversation.assignee_id.in_(list(agents)))
                .group_by(Conversation.assignee_id)
            )).all())
            candidates = [
                Candidate(a.id, frozenset(a.teams or []), frozenset(a.languages or []), a.max_chats, loads.get(a.id, 0), a.last_assigned_at)
                for a in agents.values()
            ]
            for conv in waiting:
                chosen = pick_agent(candidates, team=conv.team, language=conv.language, strategy=self._strategy)
                if chosen is None:
                    continue
                await do_assign(tx, conv, agents[chosen.agent_id], reason="routed", actor="router")
                assigned += 1
                candidates = [
                    replace(c, active_chats=c.active_chats + 1, last_assigned_at=utcnow()) if c is chosen else c for c in candidates
                ]
        if assigned:
            log.info("router assigned %d conversation(s)", assigned)
        return assigned

    async def requeue_absent(self) -> int:
        """Put the chats of agents gone longer than the grace period back in line."""
        present = await self._presence.present()
        async with self._services.sessions() as session:
            rows = (await session.execute(
                select(Conversation.id, Conversation.assignee_id, Conversation.assigned_at).where(Conversation.state == S.ASSIGNED)
            )).all()
        absent = [r for r in rows if r.assignee_id not in present]
        if not absent:
            return 0
        seen = await self._presence.last_seen(list({r.assignee_id for r in absent}))
        now = time.time()
        requeued = 0
        for row in absent:
            gone_since = seen.get(row.assignee_id, row.assigned_at.timestamp() if row.assigned_at else 0.0)
            if now - gone_since < self._grace_s:
                continue
            async with self._services.transaction() as tx:
                conv = await lock_conversation(tx, row.id)
                if conv.state is not S.ASSIGNED or conv.assignee_id != row.assignee_id:
                    continue
                agent = await tx.session.get(Agent, row.assignee_id)
                await do_queue(tx, conv, reason="agent_offline", actor="router", team=conv.team, say="agent_left", previous_agent=agent)
                requeued += 1
        if requeued:
            log.info("requeued %d conversation(s) of agents who went offline", requeued)
        return requeued

    async def announce_queue(self) -> None:
        """Tell every waiting visitor their place in line and the expected wait."""
        async with self._services.sessions() as session:
            waiting = list(await session.scalars(
                select(Conversation)
                .where(Conversation.state == S.QUEUED, Conversation.offline_at.is_(None))
                .order_by(Conversation.queued_at, Conversation.id)
                .limit(500)
            ))
            if not waiting:
                return
            recent = (await session.execute(
                select(Conversation.queued_at, Conversation.assigned_at)
                .where(Conversation.assigned_at >= utcnow() - RECENT_WAITS, Conversation.queued_at.is_not(None))
                .order_by(Conversation.assigned_at.desc())
                .limit(200)
            )).all()
            online = await self._online()
            agents = list(await session.scalars(select(Agent).where(Agent.id.in_(online)))) if online else []
        waits = [(r.assigned_at - r.queued_at).total_seconds() for r in recent if r.assigned_at > r.queued_at]
        places: dict[str | None, int] = defaultdict(int)
        for conv in waiting:
            places[conv.team] += 1
            able = sum(1 for a in agents if conv.team is None or conv.team in (a.teams or []))
            await self._notifier.queue_position(conv, {
                "conversation_id": str(conv.id),
                "position": places[conv.team],
                "expected_wait_s": estimate_wait_s(places[conv.team], waits, able),
                "agents_online": able,
            })

    async def _tell_if_nobody_online(self, conv: Conversation) -> None:
        present = await self._presence.present()
        online = [a for a, s in present.items() if s is Status.ONLINE]
        if online and conv.team is None:
            return
        if online:
            async with self._services.sessions() as session:
                teams = (await session.execute(select(Agent.teams).where(Agent.id.in_(online)))).scalars()
                if any(conv.team in (t or []) for t in teams):
                    return
        async with self._services.transaction() as tx:
            locked = await lock_conversation(tx, conv.id)
            if locked.state is not S.QUEUED or locked.offline_at is not None:
                return
            already = await tx.session.scalar(
                select(func.count()).select_from(Message).where(
                    Message.conversation_id == locked.id, Message.sender_kind == SenderKind.SYSTEM, Message.created_at >= locked.queued_at,
                    Message.text == system_text("no_agents", locked.language),
                )
            )
            if not already:
                await append_message(tx, locked, SenderKind.SYSTEM, text=system_text("no_agents", locked.language), payload={"type": "no_agents"})

