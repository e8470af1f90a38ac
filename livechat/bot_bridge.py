"""Bot turns: a visitor message in a bot-owned conversation goes to Rasa; its replies come back as messages.

Turns run in background tasks, one conversation at a time in order, a bounded number at once, so a
slow bot never blocks the socket loop. When Rasa fails or times out the visitor is told and the
conversation is queued for a person.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from typing import Protocol

from bot.client import BotUnavailable, RasaClient
from bot.replies import BotReply, handoff_reason, to_replies
from livechat.db.models import Conversation, ConversationState, Message, SenderKind, Visitor
from livechat.messages import append_message, lock_conversation
from livechat.ownership import do_transition
from livechat.system_texts import system_text
from livechat.transaction import DomainEvent, Tx

log = logging.getLogger(__name__)


class TransactionFactory(Protocol):
    def __call__(self): ...  # an async context manager yielding a Tx


class TypingNotifier(Protocol):
    async def typing(self, conv: Conversation, sender: str, is_typing: bool) -> None: ...


class BotBridge:
    def __init__(self, rasa: RasaClient, transaction: TransactionFactory, notifier: TypingNotifier, *, max_concurrency: int) -> None:
        self._rasa = rasa
        self._transaction = transaction
        self._notifier = notifier
        self._slots = asyncio.Semaphore(max_concurrency)
        self._pending: dict[uuid.UUID, deque[int]] = {}
        # Strong references: a task nobody holds can be garbage-collected mid-turn.
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def on_message_created(self, event: DomainEvent) -> None:
        conv: Conversation = event.data["conversation"]
        message: Message = event.data["message"]
        if message.sender_kind is SenderKind.VISITOR and conv.state is ConversationState.BOT:
            self._pending.setdefault(conv.id, deque()).append(message.id)
            if conv.id not in self._workers:
                self._workers[conv.id] = asyncio.create_task(self._drain(conv.id), name=f"bot-turns-{conv.id}")

    @property
    def turns_in_flight(self) -> int:
        return sum(len(q) for q in self._pending.values())

    async def close(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _drain(self, conversation_id: uuid.UUID) -> None:
        try:
            queue = self._pending[conversation_id]
            while queue:
                message_id = queue.popleft()
                try:
                    await self._turn(conversation_id, message_id)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a broken turn must not stop the conversation's next ones
                    log.exception("bot turn failed for conversation %s", conversation_id)
        finally:
            self._pending.pop(conversation_id, None)
            self._workers.pop(conversation_id, None)

    async def _turn(self, conversation_id: uuid.UUID, message_id: int) -> None:
        async with self._transaction() as tx:
            conv = await tx.session.get(Conversation, conversation_id)
            message = await tx.session.get(Message, message_id)
            visitor = await tx.session.get(Visitor, conv.visitor_id) if conv else None
        if conv is None or message is None or conv.state is not ConversationState.BOT:
            return  # a person took over meanwhile: the bot stays silent
        await self._notifier.typing(conv, "bot", True)
        try:
            async with self._slots:
                rasa_messages = await self._rasa.send(str(conv.id), _bot_text(message), _metadata(conv, visitor))
        except BotUnavailable as exc:
            log.warning("bot unavailable (%s) for conversation %s; queueing it for a person", exc.reason, conv.id)
            await self._hand_to_people(conv.id, reason="bot_unavailable", failure=exc.reason)
            return
        finally:
            await self._notifier.typing(conv, "bot", False)
        replies = to_replies(rasa_messages)
        async with self._transaction() as tx:
            locked = await lock_conversation(tx, conv.id)
            if locked.state is not ConversationState.BOT:
                return
            for reply in replies:
                await append_message(tx, locked, SenderKind.BOT, text=reply.text, payload=reply.payload)
            reason = handoff_reason(replies)
            if reason:
                await _queue_for_people(tx, locked, reason=reason, say=None if _has_text(replies) else "handoff_queued")

    async def _hand_to_people(self, conversation_id: uuid.UUID, *, reason: str, failure: str) -> None:
        async with self._transaction() as tx:
            conv = await lock_conversation(tx, conversation_id)
            if conv.state is ConversationState.BOT:
                await _queue_for_people(tx, conv, reason=reason, say="bot_unavailable", detail=failure)


async def _queue_for_people(tx: Tx, conv: Conversation, *, reason: str, say: str | None, detail: str | None = None) -> None:
    if say:
        await append_message(tx, conv, SenderKind.SYSTEM, text=system_text(say, conv.language), payload=None)
    await do_transition(tx, conv.id, ConversationState.QUEUED, reason=reason if detail is None else f"{reason}:{detail}", actor="bot")


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
