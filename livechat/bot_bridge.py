"""Bot turns: a visitor message in a bot-owned conversation goes to Rasa; its replies come back as messages.

Turns run in background tasks, one conversation at a time in order, a bounded number at once, so a
slow bot never blocks the socket loop. When Rasa fails or times out the visitor is told and the
conversation is queued for a person. The same per-conversation line carries the handoff signals to
Rasa: pause when a person takes over, resume (with what the agent resolved) when they hand back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import structlog

from bot.client import BotUnavailable, RasaClient
from bot.replies import BotReply, handoff_reason, to_replies
from livechat.db.models import Conversation, ConversationState, Message, SenderKind, Visitor
from livechat.handoff import do_queue
from livechat.interaction_log import record
from livechat.messages import append_message, lock_conversation
from livechat.metrics import Metrics
from livechat.settings import Settings
from livechat.system_texts import system_text
from livechat.transaction import DomainEvent, Tx

log = logging.getLogger(__name__)


class TransactionFactory(Protocol):
    def __call__(self): ...  # an async context manager yielding a Tx


class TypingNotifier(Protocol):
    async def typing(self, conv: Conversation, sender: str, is_typing: bool) -> None: ...


@dataclass(frozen=True)
class Turn:
    message_id: int


@dataclass(frozen=True)
class Overloaded:
    """Too many turns waiting on this node: this conversation goes to people instead."""


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    """Resume the bot; after a handback, tell it what the agent resolved so it carries on from there."""

    handback: bool
    resolution: str | None = None


Work = Turn | Overloaded | Pause | Resume


# Turns of one conversation waiting for Rasa: a visitor typing faster than the bot answers gets the
# newest of their messages answered, not a growing backlog.
MAX_WAITING_TURNS_PER_CONVERSATION = 3


class BotBridge:
    def __init__(self, rasa: RasaClient, transaction: TransactionFactory, notifier: TypingNotifier, *, max_concurrency: int,
                 settings: Settings | None = None, metrics: Metrics | None = None) -> None:
        self._metrics = metrics
        self._rasa = rasa
        self._transaction = transaction
        self._notifier = notifier
        self._settings = settings
        self._slots = asyncio.Semaphore(max_concurrency)
        self._max_waiting = settings.rasa_max_waiting if settings else 1000
        self._busy_notice_s = settings.rasa_busy_notice_s if settings else 3.0
        self._pending: dict[uuid.UUID, deque[Work]] = {}
        self._turns_queued = 0
        self._in_flight = 0
        # Strong references: a task nobody holds can be garbage-collected mid-turn.
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def on_message_created(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        message: Message = event.data["message"]
        if message.sender_kind is SenderKind.VISITOR and conv.state is ConversationState.BOT:
            queue = self._pending.get(conv.id)
            waiting = [i for i, work in enumerate(queue) if isinstance(work, Turn)] if queue else []
            if len(waiting) >= MAX_WAITING_TURNS_PER_CONVERSATION:
                # Bounded per conversation: the newest message takes the place of the last waiting one.
                queue[waiting[-1]] = Turn(message.id)
                return
            if conv.id not in self._pending and self.waiting_turns() >= self._max_waiting:
                # Bounded overall: a node this far behind sends new conversations to people rather than make them wait.
                self._enqueue(conv.id, Overloaded())
                return
            self._enqueue(conv.id, Turn(message.id))

    async def on_state_changed(self, event: DomainEvent) -> None:
        transition = event.data["transition"]
        if not transition.changed:
            return
        bot = ConversationState.BOT
        if transition.from_state is bot and transition.to_state in (ConversationState.QUEUED, ConversationState.ASSIGNED):
            self._enqueue(transition.conversation_id, Pause())
        elif transition.to_state is bot and event.data.get("reason") != "handback":
            self._enqueue(transition.conversation_id, Resume(handback=False))

    async def on_handed_back(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        self._enqueue(conv.id, Resume(handback=True, resolution=event.data.get("resolution")))

    def waiting_turns(self) -> int:
        """Bot turns queued or in flight on this node."""
        return self._turns_queued + self._in_flight

    def _enqueue(self, conversation_id: uuid.UUID, work: Work) -> None:
        self._turns_queued += isinstance(work, Turn)
        self._pending.setdefault(conversation_id, deque()).append(work)
        if conversation_id not in self._workers:
            self._workers[conversation_id] = asyncio.create_task(self._drain(conversation_id), name=f"bot-turns-{conversation_id}")

    async def close(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _drain(self, conversation_id: uuid.UUID) -> None:
        # Every log line of this conversation's bot work carries its id (structured logs).
        structlog.contextvars.bind_contextvars(conversation_id=str(conversation_id))
        try:
            queue = self._pending[conversation_id]
            while queue:
                work = queue.popleft()
                try:
                    if isinstance(work, Turn):
                        self._turns_queued -= 1
                        self._in_flight += 1
                        try:
                            await self._turn(conversation_id, work.message_id)
                        finally:
                            self._in_flight -= 1
                    elif isinstance(work, Overloaded):
                        await self._hand_to_people(conversation_id, reason="bot_unavailable", failure="overloaded")
                    elif isinstance(work, Pause):
                        await self._signal(conversation_id, [{"event": "pause"}])
                    else:
                        await self._resume(conversation_id, work)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a broken turn must not stop the conversation's next ones
                    log.exception("bot turn failed for conversation %s", conversation_id)
        finally:
            left = self._pending.pop(conversation_id, None)
            self._turns_queued -= sum(isinstance(work, Turn) for work in left or ())
            self._workers.pop(conversation_id, None)

    async def _signal(self, conversation_id: uuid.UUID, events: list[dict]) -> None:
        try:
            async with self._slots:
                await self._rasa.append_events(str(conversation_id), events)
        except BotUnavailable as exc:
            # Not fatal: the server itself keeps the bot out of conversations a person is on.
            log.warning("could not send %s to rasa for conversation %s (%s)", events, conversation_id, exc.reason)

    async def _resume(self, conversation_id: uuid.UUID, work: Resume) -> None:
        await self._signal(conversation_id, [{"event": "resume"}])
        if work.handback:
            # The bot carries on from what the agent resolved; its tracker still has the earlier slots.
            entities = {"agent_resolution": work.resolution} if work.resolution else {}
            text = "/handback" + (json.dumps(entities) if entities else "")
            await self._turn(conversation_id, None, text=text)

    async def _turn(self, conversation_id: uuid.UUID, message_id: int | None, *, text: str | None = None) -> None:
        async with self._transaction() as tx:
            conv = await tx.session.get(Conversation, conversation_id)
            message = await tx.session.get(Message, message_id) if message_id is not None else None
            visitor = await tx.session.get(Visitor, conv.visitor_id) if conv else None
        if conv is None or (message is None and text is None) or conv.state is not ConversationState.BOT:
            return  # a person took over meanwhile: the bot stays silent
        await self._notifier.typing(conv, "bot", True)
        notice = asyncio.create_task(self._busy_notice(conv.id), name=f"bot-busy-{conv.id}")
        try:
            async with self._slots:
                notice.cancel()
                started, outcome = time.perf_counter(), "failed"
                try:
                    rasa_messages = await self._rasa.send(str(conv.id), text if text is not None else _bot_text(message), _metadata(conv, visitor))
                    outcome = "ok"
                finally:
                    if self._metrics is not None:
                        self._metrics.bot_latency.labels(outcome).observe(time.perf_counter() - started)
        except BotUnavailable as exc:
            log.warning("bot unavailable (%s) for conversation %s; queueing it for a person", exc.reason, conv.id)
            await self._hand_to_people(conv.id, reason="bot_unavailable", failure=exc.reason)
            return
        finally:
            notice.cancel()
            await self._notifier.typing(conv, "bot", False)
        replies = to_replies(rasa_messages)
        understood = await self._understood(conv.id) if message is not None else None
        async with self._transaction() as tx:
            locked = await lock_conversation(tx, conv.id)
            if understood is not None:
                record(tx, "bot.intent", visitor_id=locked.visitor_id, conversation_id=locked.id, data=understood)
            if locked.state is not ConversationState.BOT:
                return
            for reply in replies:
                await append_message(tx, locked, SenderKind.BOT, text=reply.text, payload=reply.payload)
            reason = handoff_reason(replies)
            if reason:
                await self._queue_for_people(tx, locked, reason=reason, say=None if _has_text(replies) else "handoff_queued")

    async def _understood(self, conversation_id: uuid.UUID) -> dict | None:
        """The intent and entities Rasa recognized in the turn, for the profile; None if Rasa cannot say."""
        try:
            async with self._slots:
                parse = await self._rasa.latest_parse(str(conversation_id))
        except BotUnavailable:
            return None
        intent = (parse or {}).get("intent") or {}
        if not isinstance(intent.get("name"), str):
            return None
        entities = [
            {"entity": e["entity"], "value": str(e.get("value"))[:100]}
            for e in (parse.get("entities") or []) if isinstance(e, dict) and isinstance(e.get("entity"), str)
        ][:10]
        confidence = intent.get("confidence")
        return {"intent": intent["name"], "confidence": round(float(confidence), 3) if isinstance(confidence, int | float) else None,
                "entities": entities}

    async def _busy_notice(self, conversation_id: uuid.UUID) -> None:
        """Tell a visitor whose turn is still waiting for Rasa that the answer is coming (once per turn)."""
        await asyncio.sleep(self._busy_notice_s)
        async with self._transaction() as tx:
            conv = await lock_conversation(tx, conversation_id)
            if conv.state is ConversationState.BOT:
                await append_message(tx, conv, SenderKind.SYSTEM, text=system_text("bot_busy", conv.language), payload={"type": "bot_busy"})

    async def _hand_to_people(self, conversation_id: uuid.UUID, *, reason: str, failure: str) -> None:
        async with self._transaction() as tx:
            conv = await lock_conversation(tx, conversation_id)
            if conv.state is ConversationState.BOT:
                await self._queue_for_people(tx, conv, reason=f"{reason}:{failure}", say="bot_unavailable")

    async def _queue_for_people(self, tx: Tx, conv: Conversation, *, reason: str, say: str | None) -> None:
        team = self._settings.team_for(reason) if self._settings else None
        await do_queue(tx, conv, reason=reason, actor="bot", team=team, say=say)


def _has_text(replies: list[BotReply]) -> bool:
    return any(r.text for r in replies)


def _bot_text(message: Message) -> str:
    """A quick reply goes to Rasa as its intent payload; anything else as typed."""
    if message.payload and message.payload.get("type") == "quick_reply":
        return message.payload["payload"]
    return message.text or ""


def _metadata(conv: Conversation, visitor: Visitor | None) -> dict:
    return {
        "language": conv.language or (visitor.language if visitor else None) or "en",
        "visitor_id": str(conv.visitor_id),
        "customer_id": str(visitor.customer_id) if visitor and visitor.customer_id else None,
        "segments": [],
    }
