"""Storing chat messages: gap-free per-conversation sequence numbers and idempotent client retries."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import datetime, timezone
from typing import Any

import asyncpg
import orjson
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db import driver
from livechat.db.models import Conversation, Message, SenderKind
from livechat.db.types import utcnow
from livechat.errors import NotFound
from livechat.message_rows import ConversationRow, MessageRow
from livechat.transaction import Tx

MAX_REPLAY = 500


async def lock_conversation(tx: Tx, conversation_id: uuid.UUID) -> Conversation:
    """Row-lock the conversation (PostgreSQL; SQLite's IMMEDIATE transaction already serializes writers)."""
    conv = await tx.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update().execution_options(populate_existing=True)
    )
    if conv is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return conv


async def find_by_client_id(session: AsyncSession, conversation_id: uuid.UUID, client_id: str) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.client_id == client_id)
    )


async def append_message(
    tx: Tx,
    conv: Conversation,
    sender_kind: SenderKind,
    *,
    text: str | None,
    payload: dict[str, Any] | None = None,
    sender_id: str | None = None,
    client_id: str | None = None,
    origin_sid: str | None = None,
) -> Message:
    """Append a message to a conversation locked by this transaction; announced after commit.

    origin_sid is the socket that sent it: it has the message in its ack, so the announcement skips it.
    """
    message = stage_message(tx, conv, sender_kind, text=text, payload=payload, sender_id=sender_id,
                            client_id=client_id, origin_sid=origin_sid)
    tx.session.add(message)
    await tx.session.flush()
    return message


def stage_message(
    tx: Tx,
    conv: Conversation | ConversationRow,
    sender_kind: SenderKind,
    *,
    text: str | None,
    payload: dict[str, Any] | None,
    sender_id: str | None,
    client_id: str | None,
    origin_sid: str | None,
    into: type[Message] | type[MessageRow] = Message,
) -> Message | MessageRow:
    """Number a message in a conversation locked by this transaction and announce it after commit,
    without storing it: append_message adds it to the session, the message writer stores a whole batch
    with store_messages, or on PostgreSQL as a MessageRow in a ConversationRow with store_rows (stage_row).
    Its interaction event follows a moment later (livechat.message_follower), from the stored message."""
    now = utcnow()
    conv.last_seq += 1
    conv.updated_at = now
    message = into(conversation_id=conv.id, seq=conv.last_seq, sender_kind=sender_kind, sender_id=sender_id,
                   client_id=client_id, text=text, payload=payload, created_at=now)
    # The conversation's language as it was: listeners tell from it whether more than the message changed.
    tx.emit("message.created", conversation=conv, message=message, origin_sid=origin_sid, language=conv.language)
    return message


stage_row = functools.partial(stage_message, into=MessageRow)


# A batch in one statement whatever its size (one prepared statement, none of the ORM's per-row
# bookkeeping, which under load cost more than the database's own work): the conversations' columns a
# message changes (its number and time; a visitor's, the language; an agent's, the first reply and the
# agent's read mark), and the messages. The rows go as two JSON texts (json_to_recordset): asyncpg's
# encoding of a batch as fourteen typed arrays cost the server about twice the CPU of encoding it as JSON,
# and PostgreSQL reads either as fast. It returns each updated conversation's new row version (xmin) and
# each stored message's id. Two forms:
# - under the batch's transaction, its conversations locked (_STORE_PG): a client id stored before is
#   skipped (ON CONFLICT), and the caller rolls the batch back (ClientIdTaken);
# - on its own, committed by itself (_STORE_KNOWN_PG): each conversation is written only if its row is
#   still the version the writer last wrote, and the messages only of those; a client id stored before
#   fails the whole statement, which then changed nothing.
_STORE_TEMPLATE = """
    WITH advanced AS (
        UPDATE conversations SET last_seq = u.last_seq, updated_at = u.at, language = u.language,
               first_agent_reply_at = u.first_reply, agent_read_seq = u.agent_read
        FROM json_to_recordset(CAST(:conversations AS json))
             AS u(id uuid, last_seq integer, at timestamptz, language varchar, first_reply timestamptz, agent_read integer,
                  version xid)
        WHERE conversations.id = u.id{same_version}
        RETURNING conversations.id, conversations.xmin
    ), stored AS (
        INSERT INTO messages (conversation_id, seq, sender_kind, sender_id, client_id, text, payload, created_at)
        SELECT m.conversation, m.seq, m.sender, m.sender_id, m.client_id, m.text, m.payload, m.at
        FROM json_to_recordset(CAST(:messages AS json))
             AS m(conversation uuid, seq integer, sender varchar, sender_id varchar, client_id varchar, text text,
                  payload jsonb, at timestamptz){only_advanced}
        RETURNING id, conversation_id, seq
    )
    SELECT id AS conversation_id, CAST(CAST(xmin AS text) AS bigint) AS version, CAST(NULL AS bigint) AS message_id,
           CAST(NULL AS integer) AS seq
    FROM advanced
    UNION ALL
    SELECT conversation_id, NULL, id, seq FROM stored
"""
_STORE_PG = _STORE_TEMPLATE.format(same_version="", only_advanced="""
        ON CONFLICT (conversation_id, client_id) DO NOTHING""")
_STORE_KNOWN_PG = _STORE_TEMPLATE.format(
    same_version=" AND conversations.xmin = u.version",
    only_advanced="""
        WHERE m.conversation IN (SELECT id FROM advanced)""",
)


class ClientIdTaken(Exception):
    """A staged message's client id is already stored in its conversation (a client's retry the batch did
    not look for): the batch's sequence numbers are wrong, and its transaction must be rolled back."""


async def store_messages(tx: Tx, messages: list[Message]) -> None:
    """Insert staged messages (the ORM path, SQLite); their conversations' changes go with the same flush."""
    if messages:
        tx.session.add_all(messages)
        await tx.session.flush()


async def store_rows(tx: Tx, convs: list[ConversationRow], messages: list[MessageRow]) -> None:
    """Insert staged rows and write back what they changed in their conversations (PostgreSQL), giving
    each message its id and each conversation its new row version. Raises ClientIdTaken, inserting
    nothing of it that commits, if a client id was stored before."""
    if not messages:
        return
    rows = await driver.fetch(tx.session, _STORE_PG, _store_params(convs, messages))
    _take_ids(rows, convs, messages, all_or_raise=True)


async def store_known_rows(connection: driver.HeldConnection, convs: list[ConversationRow], messages: list[MessageRow]) -> set[uuid.UUID]:
    """Store staged rows in a statement of their own on a held connection, committed by itself, for the
    conversations whose row is still the `version` each carries (as this writer last wrote it, unlocked
    since); the ids of those conversations, whose messages are stored and have their ids. The others'
    messages are not stored. Raises ClientIdTaken, having stored nothing, if a client id was stored before;
    driver.ConnectionFailed if the connection failed (stored or not: a resend by client id tells)."""
    params = _store_params(convs, messages)
    try:
        rows = await connection.fetch(_STORE_KNOWN_PG, params)
    except asyncpg.UniqueViolationError as exc:
        raise ClientIdTaken(str(exc)) from None
    except asyncpg.DeadlockDetectedError:
        # Its row locks are taken in whatever order the plan visits the rows, unlike the locked path's (by id):
        # another node writing some of the same conversations at once can deadlock it. It wrote nothing; the
        # caller writes them under the lock.
        return set()
    return _take_ids(rows, convs, messages, all_or_raise=False)


def _store_params(convs: list[ConversationRow], messages: list[MessageRow]) -> dict[str, Any]:
    return {
        "conversations": _json_rows([
            {"id": c.id, "last_seq": c.last_seq, "at": c.updated_at, "language": c.language,
             "first_reply": c.first_agent_reply_at, "agent_read": c.agent_read_seq, "version": c.version}
            for c in convs
        ]),
        "messages": _json_rows([
            {"conversation": m.conversation_id, "seq": m.seq, "sender": m.sender_kind.value, "sender_id": m.sender_id,
             "client_id": m.client_id, "text": m.text, "payload": m.payload, "at": m.created_at}
            for m in messages
        ]),
    }


def _json_rows(rows: list[dict[str, Any]]) -> str:
    # Naive times are UTC, as everywhere here. The json module takes what orjson refuses (an integer past
    # 64 bits in a payload); either way a time keeps its microseconds and its offset.
    try:
        return orjson.dumps(rows, option=orjson.OPT_NAIVE_UTC).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(rows, default=_json_default, separators=(",", ":"))


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _take_ids(rows: list[asyncpg.Record], convs: list[ConversationRow], messages: list[MessageRow], *, all_or_raise: bool) -> set[uuid.UUID]:
    """Give the stored messages their ids and the written conversations their new versions; the written ones' ids."""
    versions = {r["conversation_id"]: r["version"] for r in rows if r["message_id"] is None}
    ids = {(r["conversation_id"], r["seq"]): r["message_id"] for r in rows if r["message_id"] is not None}
    if all_or_raise and len(ids) < len(messages):
        raise ClientIdTaken(f"{len(messages) - len(ids)} of {len(messages)} messages were stored before")
    for conv in convs:
        conv.version = versions.get(conv.id)
    for message in messages:
        message.id = ids.get((message.conversation_id, message.seq))
    return set(versions)


_BY_CLIENT_ID_PG = """
    SELECT m.id, m.conversation_id, m.seq, m.sender_kind, m.sender_id, m.client_id, m.text, m.payload, m.created_at
    FROM messages m JOIN unnest(CAST(:conversations AS uuid[]), CAST(:client_ids AS varchar[])) AS k(conversation, client_id)
         ON m.conversation_id = k.conversation AND m.client_id = k.client_id
"""


async def stored_by_client_id(tx: Tx, keys: list[tuple[uuid.UUID, str]]) -> list[Message] | list[MessageRow]:
    """The messages already stored under these (conversation, client id) pairs: a client's retries."""
    session = tx.session
    if session.bind.dialect.name != "postgresql":
        return list(await session.scalars(select(Message).where(tuple_(Message.conversation_id, Message.client_id).in_(keys))))
    rows = await driver.fetch(session, _BY_CLIENT_ID_PG, {"conversations": [k[0] for k in keys], "client_ids": [k[1] for k in keys]})
    # Read only to answer the retry: plain rows, not loaded into the session.
    return [MessageRow(r["conversation_id"], r["seq"], SenderKind(r["sender_kind"]), r["sender_id"], r["client_id"], r["text"],
                       _json(r["payload"]), r["created_at"], r["id"]) for r in rows]


def _json(value: Any) -> Any:
    """A jsonb value as read straight from asyncpg (text)."""
    return json.loads(value) if isinstance(value, str) else value


async def messages_after(session: AsyncSession, conversation_id: uuid.UUID, after_seq: int, limit: int = MAX_REPLAY) -> list[Message]:
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(rows)


def message_to_wire(message: Message | MessageRow) -> dict[str, Any]:
    """The Message object of docs/protocol.md."""
    return {
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "sender": message.sender_kind.value,
        "text": message.text,
        "payload": message.payload,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }
