"""The fault suite's client helpers and its checker: what clients sent and had acknowledged, what the
database holds and what each participant received, compared per conversation."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import socketio
from sqlalchemy import select

from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Message

SEND_TIMEOUT_S = 3.0


@dataclass
class Side:
    """One participant's record: what it had acknowledged and what it saw, by sequence number."""

    name: str
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> seq
    seen: dict[int, str] = field(default_factory=dict)  # seq -> text
    duplicates: list[int] = field(default_factory=list)  # seqs delivered again with other content

    def ack(self, client_id: str, message: dict) -> None:
        """Our own message, acknowledged: like the widget and the console, the participant shows it from the
        ack (the server does not send a message back to the socket it came from)."""
        self.acked[client_id] = message["seq"]
        self.saw(message)

    def saw(self, message: dict) -> None:
        seq, text = message["seq"], message["text"]
        if seq in self.seen and self.seen[seq] != text:
            self.duplicates.append(seq)
        self.seen[seq] = text


RETRYABLE_CODES = ("internal_error", "unavailable", "busy")


async def send_until_acked(call, reconnect, payload: dict) -> dict:
    """Send one message; on a refusal the server may get over, a lost connection or a timeout, reconnect
    (if `reconnect` is given) and send the same client id again (not before the refusal's retry_after_s)."""
    for attempt in range(40):
        wait_s = min(0.2 * (attempt + 1), 1.0)
        try:
            ack = await call("message", payload, timeout=SEND_TIMEOUT_S)
            if ack.get("ok"):
                return ack["message"]
            if ack.get("error", {}).get("code") not in RETRYABLE_CODES:
                raise AssertionError(f"refused: {ack}")
            wait_s = max(wait_s, ack["error"].get("retry_after_s", 0))
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
            pass
        await asyncio.sleep(wait_s)
        if reconnect is not None:
            await reconnect()
    raise AssertionError(f"never acknowledged: {payload}")


async def stored_messages(database_url: str, conversation_ids: list[uuid.UUID]) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.scalars(select(Message).where(Message.conversation_id.in_(conversation_ids)).order_by(Message.seq))
            stored: dict[str, list[dict[str, Any]]] = {str(c): [] for c in conversation_ids}
            for m in rows:
                stored[str(m.conversation_id)].append({"seq": m.seq, "client_id": m.client_id, "text": m.text})
            return stored
    finally:
        await engine.dispose()


def check_conversations(stored: dict[str, list[dict[str, Any]]], participants: dict[str, list[Side]]) -> None:
    """Zero lost, zero duplicated, order kept; raises AssertionError listing every violation."""
    problems: list[str] = []
    for conv_id, messages in stored.items():
        seqs = [m["seq"] for m in messages]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"{conv_id}: stored sequence has gaps or repeats: {seqs}")
        by_client = Counter(m["client_id"] for m in messages if m["client_id"])
        problems += [f"{conv_id}: client id {cid} stored {n} times" for cid, n in by_client.items() if n > 1]
        by_seq = {m["seq"]: m for m in messages}
        for side in participants.get(conv_id, []):
            for client_id, seq in side.acked.items():
                if by_seq.get(seq, {}).get("client_id") != client_id:
                    problems.append(f"{conv_id}: {side.name}'s acknowledged {client_id} (seq {seq}) is not stored as acknowledged")
            missing = sorted(set(by_seq) - set(side.seen))
            if missing:
                problems.append(f"{conv_id}: {side.name} never received seqs {missing}")
            wrong = [seq for seq, text in side.seen.items() if seq not in by_seq or by_seq[seq]["text"] != text]
            if wrong or side.duplicates:
                problems.append(f"{conv_id}: {side.name} received seqs {sorted(set(wrong + side.duplicates))} unlike what is stored")
    assert not problems, "\n".join(problems)
