"""The sync streams: privacy (erasures, withdrawals), contacts (profiles), deals (orders), notes (chats).

Each stream walks its table in keyset order from its cursor, a batch at a time. One batch is one
database transaction: lock the cursor row, read the batch, send it, and only once the destination
acknowledged it, move the cursor and commit. A worker killed anywhere in between leaves the cursor
before the batch, so the batch is sent again; upserts keyed by our stable ids make that an update,
never a second record. The lock makes two workers take turns instead of sending the same batch twice.

Rows changed in the last `settle_s` seconds wait for the next run: their timestamps are taken before
their transaction commits, so a slower transaction could otherwise commit a row behind the cursor.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, literal, or_, select, text, true, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_sync.destination import Destination
from crm_sync.records import contact_record, deal_record, may_sync, note_record
from livechat.db.crm_models import CrmContact, CrmCursor
from livechat.db.models import (
    Conversation,
    ConversationState,
    CustomerIdentity,
    InteractionEvent,
    Order,
    Profile,
    SegmentMembership,
    Visitor,
)
from livechat.db.types import utcnow
from livechat.profile_state import summary

log = logging.getLogger(__name__)

STREAMS = ("privacy", "contacts", "deals", "notes")
Progress = Callable[[str, int, int], None]  # stream, rows read, records sent


@dataclass(frozen=True)
class Batch:
    sent: int
    position: dict | None  # None: nothing left
    read: int = 0  # rows read (customers without consent are read, not sent)


def _insert(session: AsyncSession):
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def _locked_cursor(session: AsyncSession, connector: str, stream: str) -> CrmCursor:
    query = (select(CrmCursor).where(CrmCursor.connector == connector, CrmCursor.stream == stream)
             .with_for_update().execution_options(populate_existing=True))
    cursor = await session.scalar(query)
    if cursor is None:  # the stream's first run (two workers at once: one insert wins, both lock the row)
        await session.execute(_insert(session)(CrmCursor).values(connector=connector, stream=stream, position={}, records=0)
                              .on_conflict_do_nothing())
        cursor = await session.scalar(query)
    return cursor


def _after(position: dict, at_column, id_column):
    """Rows after the cursor in (time, id) order: a row-value comparison the (time, id) index serves."""
    if not position:
        return true()
    at = literal(datetime.fromisoformat(position["at"]), type_=at_column.type)
    return tuple_(at_column, id_column) > tuple_(at, literal(uuid.UUID(position["id"]), type_=id_column.type))


async def _links(session: AsyncSession, connector: str, subject_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    if not subject_ids:
        return {}
    rows = await session.execute(select(CrmContact.subject_id, CrmContact.remote_id)
                                 .where(CrmContact.connector == connector, CrmContact.subject_id.in_(subject_ids)))
    return dict(rows.all())


async def _delete_contacts(session: AsyncSession, destination: Destination, links: dict[uuid.UUID, str | None]) -> int:
    if not links:
        return 0
    await destination.delete_contacts({str(k): v for k, v in links.items()})
    await session.execute(delete(CrmContact).where(CrmContact.connector == destination.name, CrmContact.subject_id.in_(list(links))))
    return len(links)


async def _chunked(send, records: list, size: int) -> list:
    """Send records in calls of at most `size`, all at once; every call must succeed for the batch to count."""
    chunks = [records[i:i + size] for i in range(0, len(records), size)]
    return list(await asyncio.gather(*(send(chunk) for chunk in chunks))) if chunks else []


UPSERT_LINKS_PG = text("""
    INSERT INTO crm_contacts (connector, subject_id, remote_id, synced_at)
    SELECT :connector, ids.subject_id, ids.remote_id, :synced_at
    FROM unnest(CAST(:subject_ids AS uuid[]), CAST(:remote_ids AS varchar[])) AS ids(subject_id, remote_id)
    ON CONFLICT (connector, subject_id)
    DO UPDATE SET remote_id = coalesce(excluded.remote_id, crm_contacts.remote_id), synced_at = excluded.synced_at
""")


async def _remember(session: AsyncSession, connector: str, links: list[tuple[uuid.UUID, str | None]]) -> None:
    """Record which customers the CRM now holds, with its ids: one statement for the whole step."""
    stamp = utcnow()
    if session.bind.dialect.name == "postgresql":
        await session.execute(UPSERT_LINKS_PG, {"connector": connector, "synced_at": stamp,
                                                "subject_ids": [s for s, _ in links], "remote_ids": [r for _, r in links]})
        return
    table = CrmContact.__table__
    statement = sqlite_insert(table)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["connector", "subject_id"],
        set_={"remote_id": func.coalesce(statement.excluded.remote_id, table.c.remote_id), "synced_at": statement.excluded.synced_at},
    ), [{"connector": connector, "subject_id": s, "remote_id": r, "synced_at": stamp} for s, r in links])


@dataclass(frozen=True)
class ContactsRead:
    """A contacts batch read and turned into records, not yet sent."""

    start: dict
    upserts: list
    gone: dict
    position: dict | None
    read: int
    linked: frozenset = frozenset()  # subjects the CRM already held when read
    # Orders and closed chats of subjects new to the CRM (read here, so the lookahead reads them too).
    orders: tuple = ()
    chats: tuple = ()


async def _custom_plans(session: AsyncSession) -> None:
    """PostgreSQL plans a prepared keyset query once for any cursor after a few runs, and that generic
    plan sorts the whole table (100x slower here); plan each page for its own cursor instead."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def read_contacts(session: AsyncSession, connector: str, position: dict, cutoff: datetime, limit: int) -> ContactsRead:
    await _custom_plans(session)
    rows = (await session.execute(
        select(Profile.subject_id, Profile.state, Profile.updated_at, CustomerIdentity.email, CustomerIdentity.name, CustomerIdentity.phone)
        .outerjoin(CustomerIdentity, CustomerIdentity.customer_id == Profile.subject_id)
        .where(Profile.subject_kind == "customer", Profile.updated_at <= cutoff, _after(position, Profile.updated_at, Profile.subject_id))
        .order_by(Profile.updated_at, Profile.subject_id).limit(limit)
    )).all()
    if not rows:
        return ContactsRead(position, [], {}, None, 0)
    ids = [r.subject_id for r in rows]
    segments: dict[uuid.UUID, list[str]] = {}
    for subject_id, segment in (await session.execute(
            select(SegmentMembership.subject_id, SegmentMembership.segment).where(SegmentMembership.subject_id.in_(ids)))).all():
        segments.setdefault(subject_id, []).append(segment)
    # A query of its own, not a join: crm_contacts grows fast during a first sync, and with its
    # statistics still saying "empty" PostgreSQL would scan all of it once per profile row.
    links = await _links(session, connector, ids)
    now = utcnow()
    upserts, gone = [], {}
    for row in rows:
        view = summary(row.state, now)
        if may_sync(view, row.email):
            upserts.append(contact_record(str(row.subject_id), view, {"email": row.email, "name": row.name, "phone": row.phone},
                                          segments.get(row.subject_id, [])))
        elif row.subject_id in links:
            gone[row.subject_id] = links[row.subject_id]  # consent withdrawn or identity erased: the CRM forgets them
    last = rows[-1]
    linked = frozenset(links)
    orders, chats = await _history(session, [uuid.UUID(r.subject_id) for r in upserts if uuid.UUID(r.subject_id) not in linked])
    return ContactsRead(position, upserts, gone, {"at": last.updated_at.isoformat(), "id": str(last.subject_id)}, len(rows), linked,
                        tuple(orders), tuple(chats))


async def send_contacts(session: AsyncSession, destination: Destination, read: ContactsRead, size: int) -> Batch:
    if read.position is None:
        return Batch(0, None)
    remote: dict[str, str] = {}
    for answer in await _chunked(destination.upsert_contacts, read.upserts, size):
        remote.update(answer)
    await _delete_contacts(session, destination, read.gone)
    if read.upserts:
        await _remember(session, destination.name, [(uuid.UUID(r.subject_id), remote.get(r.subject_id)) for r in read.upserts])
    # A contact new to the CRM brings the orders and closed chats it had before (the deals and notes
    # streams passed them by while the customer had not agreed yet).
    deals = [deal_record(o.number, o.status, o.total_cents, o.currency, o.placed_at, contact_remote_id=remote.get(str(o.customer_id)),
                         subject_id=str(o.customer_id)) for o in read.orders]
    notes = [_note(conv, customer_id, remote.get(str(customer_id))) for conv, customer_id in read.chats]
    await _chunked(destination.upsert_deals, deals, size)
    await _chunked(destination.upsert_notes, notes, size)
    return Batch(len(read.upserts) + len(read.gone), read.position, read.read)


async def _history(session: AsyncSession, subjects: list[uuid.UUID]) -> tuple[list, list]:
    """Orders and closed chats of these customers."""
    if not subjects:
        return [], []
    orders = (await session.execute(
        select(Order.number, Order.status, Order.total_cents, Order.currency, Order.placed_at, Order.customer_id)
        .where(Order.customer_id.in_(subjects)))).all()
    chats = (await session.execute(
        select(Conversation, Visitor.customer_id).join(Visitor, Visitor.id == Conversation.visitor_id)
        .where(Visitor.customer_id.in_(subjects), Conversation.state == ConversationState.CLOSED))).all()
    return orders, chats


def _note(conv: Conversation, subject_id: uuid.UUID, remote_id: str | None):
    view = {"id": str(conv.id), "closed_at": conv.closed_at.isoformat() if conv.closed_at else None, "created_at": conv.created_at.isoformat(),
            "resolution": conv.resolution, "handoff_reason": conv.handoff_reason, "rating": conv.csat_rating}
    return note_record(view, conv.last_seq, contact_remote_id=remote_id, subject_id=str(subject_id))


async def contacts_batch(session: AsyncSession, destination: Destination, position: dict, cutoff: datetime, size: int, calls: int) -> Batch:
    return await send_contacts(session, destination, await read_contacts(session, destination.name, position, cutoff, size * calls), size)


class Lookahead:
    """Reads the next contacts batch in its own session while the current one is with the CRM.

    Used only if the cursor, once locked, is where the read started (another worker may have moved it).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], connector: str, limit: int, settle_s: float) -> None:
        self._sessions, self._connector, self._limit, self._settle_s = sessions, connector, limit, settle_s
        self._task: asyncio.Task[ContactsRead] | None = None

    def start(self, position: dict) -> None:
        self._task = asyncio.create_task(self._read(position), name="crm-contacts-lookahead")

    async def _read(self, position: dict) -> ContactsRead:
        async with self._sessions() as session, session.begin():
            return await read_contacts(session, self._connector, position, utcnow() - timedelta(seconds=self._settle_s), self._limit)

    async def take(self, position: dict) -> ContactsRead | None:
        task, self._task = self._task, None
        if task is None:
            return None
        read = await task
        return read if read.start == position else None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


async def privacy_batch(session: AsyncSession, destination: Destination, position: dict, cutoff: datetime, size: int, calls: int) -> Batch:
    """Erasures and identification withdrawals, from the event log: the CRM deletes the contact."""
    events = (await session.execute(
        select(InteractionEvent.id, InteractionEvent.type, InteractionEvent.customer_id, InteractionEvent.data)
        .where(InteractionEvent.id > int(position.get("id", 0)), InteractionEvent.occurred_at <= cutoff,
               or_(InteractionEvent.type == "customer.erased", InteractionEvent.type == "consent.changed"))
        .order_by(InteractionEvent.id).limit(size)
    )).all()
    if not events:
        return Batch(0, None)
    subjects = [e.customer_id for e in events if e.customer_id is not None and (
        e.type == "customer.erased" or (e.data.get("purpose") == "identification" and e.data.get("granted") is False))]
    deleted = await _delete_contacts(session, destination, await _links(session, destination.name, subjects))
    return Batch(deleted, {"id": events[-1].id}, len(events))


async def deals_batch(session: AsyncSession, destination: Destination, position: dict, cutoff: datetime, size: int, calls: int) -> Batch:
    """Orders of customers the CRM holds, as deals associated with their contact."""
    await _custom_plans(session)
    rows = (await session.execute(
        select(Order.id, Order.number, Order.status, Order.total_cents, Order.currency, Order.placed_at, Order.updated_at,
               CrmContact.subject_id, CrmContact.remote_id)
        .outerjoin(CrmContact, and_(CrmContact.connector == destination.name, CrmContact.subject_id == Order.customer_id))
        .where(Order.updated_at <= cutoff, _after(position, Order.updated_at, Order.id))
        .order_by(Order.updated_at, Order.id).limit(size * calls)
    )).all()
    if not rows:
        return Batch(0, None)
    deals = [deal_record(r.number, r.status, r.total_cents, r.currency, r.placed_at, contact_remote_id=r.remote_id,
                         subject_id=str(r.subject_id)) for r in rows if r.subject_id is not None]
    await _chunked(destination.upsert_deals, deals, size)
    last = rows[-1]
    return Batch(len(deals), {"at": last.updated_at.isoformat(), "id": str(last.id)}, len(rows))


async def notes_batch(session: AsyncSession, destination: Destination, position: dict, cutoff: datetime, size: int, calls: int) -> Batch:
    """Closed chats of customers the CRM holds, as timeline notes on their contact."""
    await _custom_plans(session)
    rows = (await session.execute(
        select(Conversation, CrmContact.subject_id, CrmContact.remote_id)
        .join(Visitor, Visitor.id == Conversation.visitor_id)
        .outerjoin(CrmContact, and_(CrmContact.connector == destination.name, CrmContact.subject_id == Visitor.customer_id))
        .where(Conversation.state == ConversationState.CLOSED, Conversation.updated_at <= cutoff,
               _after(position, Conversation.updated_at, Conversation.id))
        .order_by(Conversation.updated_at, Conversation.id).limit(size * calls)
    )).all()
    if not rows:
        return Batch(0, None)
    notes = [_note(conv, subject_id, remote_id) for conv, subject_id, remote_id in rows if subject_id is not None]
    await _chunked(destination.upsert_notes, notes, size)
    last = rows[-1][0]
    return Batch(len(notes), {"at": last.updated_at.isoformat(), "id": str(last.id)}, len(rows))


BATCHES: dict[str, Callable[..., Awaitable[Batch]]] = {
    "privacy": privacy_batch, "contacts": contacts_batch, "deals": deals_batch, "notes": notes_batch,
}


async def step(sessions: async_sessionmaker[AsyncSession], destination: Destination, stream: str, *, size: int, settle_s: float,
               calls: int = 1, ahead: Lookahead | None = None) -> Batch:
    """One batch of one stream (up to `calls` parallel calls of `size` records), sent and acknowledged,
    with its cursor moved in the same transaction."""
    async with sessions() as session, session.begin():
        cursor = await _locked_cursor(session, destination.name, stream)
        position = dict(cursor.position or {})
        cutoff = utcnow() - timedelta(seconds=settle_s)
        if stream == "contacts":
            read = (await ahead.take(position) if ahead else None) or await read_contacts(session, destination.name, position, cutoff, size * calls)
            if ahead is not None and read.position is not None:
                ahead.start(read.position)
            batch = await send_contacts(session, destination, read, size)
        else:
            batch = await BATCHES[stream](session, destination, position, cutoff, size, calls)
        if batch.position is not None:
            cursor.position = batch.position
            cursor.records = cursor.records + batch.sent
        return batch


async def run_stream(sessions, destination: Destination, stream: str, *, size: int, settle_s: float, calls: int = 1,
                     progress: Progress | None = None) -> int:
    """Send everything the stream has up to now; returns how many records went out."""
    sent = 0
    # Reading the next contacts batch while the CRM works on this one keeps both busy (PostgreSQL only:
    # SQLite has one writer, and the read would wait for it anyway).
    pipelined = stream == "contacts" and sessions.kw["bind"].dialect.name == "postgresql"
    ahead = Lookahead(sessions, destination.name, size * calls, settle_s) if pipelined else None
    try:
        while True:
            batch = await step(sessions, destination, stream, size=size, settle_s=settle_s, calls=calls, ahead=ahead)
            if batch.position is None:
                return sent
            sent += batch.sent
            if progress is not None:
                progress(stream, batch.read, batch.sent)
    finally:
        if ahead is not None:
            await ahead.close()


async def backlog(sessions: async_sessionmaker[AsyncSession], connector: str, stream: str) -> int:
    """Roughly how many rows the stream still has to read (for progress bars and `crm-sync status`)."""
    async with sessions() as session:
        position = (await session.scalar(select(CrmCursor.position).where(CrmCursor.connector == connector, CrmCursor.stream == stream))) or {}
        if stream == "contacts":
            query = select(func.count()).select_from(Profile).where(
                Profile.subject_kind == "customer", _after(position, Profile.updated_at, Profile.subject_id))
        elif stream == "deals":
            query = select(func.count()).select_from(Order).where(_after(position, Order.updated_at, Order.id))
        elif stream == "notes":
            query = select(func.count()).select_from(Conversation).where(
                Conversation.state == ConversationState.CLOSED, _after(position, Conversation.updated_at, Conversation.id))
        else:
            query = select(func.count()).select_from(InteractionEvent).where(
                InteractionEvent.id > int(position.get("id", 0)), InteractionEvent.type.in_(["customer.erased", "consent.changed"]))
        return int(await session.scalar(query) or 0)
