"""Keeping profiles current: every transaction folds the interaction events it recorded into their
subjects' profiles before it commits; `rebuild` recomputes them all from the event log.

The subject of an event is its customer when known (directly, or through the visitor's link), else the
pseudonymous visitor. When a visitor is identified, their visitor profile is combined into the
customer's and removed, which is what a rebuild with the new link computes too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from sqlalchemy import Uuid, delete, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import InteractionEvent, Profile, SegmentMembership, Visitor
from livechat.db.types import JSONDoc, utcnow
from livechat.interaction_log import RecordedEvent
from livechat.profile_state import NOT_BEHAVIOUR, State, absorb, empty, from_event
from livechat.segments import evaluate_subjects
from livechat.transaction import Tx

Subject = tuple[uuid.UUID, str]
REBUILD_BATCH = 5_000


def _subject(event: RecordedEvent, owners: dict[uuid.UUID, uuid.UUID | None]) -> Subject | None:
    if event.customer_id is not None:
        return event.customer_id, "customer"
    if event.visitor_id is None:
        return None  # e.g. an agent logging in: nobody's profile
    if not _is_behaviour(event.type):
        return event.visitor_id, "visitor"  # bookkeeping is recorded under its subject's own id
    owner = owners.get(event.visitor_id)
    return (owner, "customer") if owner is not None else (event.visitor_id, "visitor")


def _is_behaviour(event_type: str) -> bool:
    return not event_type.startswith(NOT_BEHAVIOUR)


async def _owners(session: AsyncSession, visitor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    ids = list(set(visitor_ids))
    if not ids:
        return {}
    return dict((await session.execute(select(Visitor.id, Visitor.customer_id).where(Visitor.id.in_(ids)))).all())


# Array parameters rather than a row per parameter set: one prepared statement whatever the count, and
# none of the per-row parameter processing that dominates bulk statements in Python.
_INSERT_EVENTS_PG = text("""
    INSERT INTO interaction_events (id, type, occurred_at, visitor_id, customer_id, conversation_id, data)
    SELECT e.id, e.type, e.at, e.visitor, e.customer, e.conversation, CAST(e.data AS jsonb)
    FROM unnest(CAST(:ids AS bigint[]), CAST(:types AS varchar[]), CAST(:ats AS timestamptz[]), CAST(:visitors AS uuid[]),
                CAST(:customers AS uuid[]), CAST(:conversations AS uuid[]), CAST(:datas AS text[]))
         AS e(id, type, at, visitor, customer, conversation, data)
""")
_UPDATE_STATES_PG = text("""
    UPDATE profiles SET state = CAST(u.state AS jsonb), updated_at = :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:states AS text[])) AS u(id, state)
    WHERE profiles.subject_id = u.id
""")
_LOCK_STATES_PG = text("""
    INSERT INTO profiles (subject_id, subject_kind, state, updated_at)
    SELECT s.id, s.kind, CAST(CAST(:empty AS text) AS jsonb), :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:kinds AS varchar[])) AS s(id, kind) ORDER BY s.id
    ON CONFLICT (subject_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
    RETURNING subject_id, state
""").columns(subject_id=Uuid, state=JSONDoc)


async def _lock_states(session: AsyncSession, subjects: list[Subject]) -> dict[uuid.UUID, State]:
    """The subjects' profile states, rows created empty where missing and locked for this transaction
    (in id order, so concurrent transactions cannot deadlock on them)."""
    if session.bind.dialect.name == "postgresql":
        # One statement: insert the missing, lock the rest (a no-op update locks the row), return every state.
        result = await session.execute(_LOCK_STATES_PG, {
            "ids": [s[0] for s in subjects], "kinds": [s[1] for s in subjects], "empty": json.dumps(empty()), "now": utcnow(),
        })
        return dict(result.all())
    rows = [{"subject_id": subject_id, "subject_kind": kind, "state": empty(), "updated_at": utcnow()} for subject_id, kind in subjects]
    # SQLite has one writer at a time: the transaction already holds the database.
    await session.execute(sqlite_insert(Profile).on_conflict_do_nothing(), rows)
    result = await session.execute(select(Profile.subject_id, Profile.state).where(Profile.subject_id.in_([s[0] for s in subjects])))
    return dict(result.all())


async def _store(session: AsyncSession, events: list[RecordedEvent]) -> None:
    """Insert the events and give each its id, in the order they were recorded."""
    if session.bind.dialect.name == "postgresql":
        # Ids drawn first, so one multi-row insert stores them all and each event knows its id.
        ids = sorted((await session.execute(
            text("SELECT nextval(pg_get_serial_sequence('interaction_events', 'id')) FROM generate_series(1, :n)"),
            {"n": len(events)},
        )).scalars().all())
        for event, event_id in zip(events, ids, strict=True):
            event.id = event_id
        await session.execute(_INSERT_EVENTS_PG, {
            "ids": ids, "types": [e.type for e in events], "ats": [e.occurred_at for e in events],
            "visitors": [e.visitor_id for e in events], "customers": [e.customer_id for e in events],
            "conversations": [e.conversation_id for e in events], "datas": [json.dumps(e.data) for e in events],
        })
        return
    for event in events:
        event.id = (await session.execute(insert(InteractionEvent).values(event.row()).returning(InteractionEvent.id))).scalar_one()


def _as_published(event: RecordedEvent, subject: Subject) -> dict:
    return {
        "id": event.id, "type": event.type, "subject_id": subject[0], "subject_kind": subject[1],
        "visitor_id": event.visitor_id, "customer_id": event.customer_id, "conversation_id": event.conversation_id,
        "data": event.data, "occurred_at": event.occurred_at,
    }


async def store_recorded(tx: Tx) -> None:
    """Store what the transaction recorded and fold it into profiles (run just before commit). Folding
    may record more (segment changes), which is stored in the next round."""
    published: list[dict] = []
    while tx.recorded:
        events, tx.recorded = tx.recorded, []
        await _store(tx.session, events)
        published.extend(await _fold(tx, events))
    if published:
        # Listeners (offer triggers, outgoing webhooks) see the events once they are committed.
        tx.emit("interactions.recorded", events=published)


async def _fold(tx: Tx, events: list[RecordedEvent]) -> list[dict]:
    """Fold events into their subjects' profiles; returns the events with their subjects, for listeners."""
    events = [e for e in events if e.visitor_id is not None or e.customer_id is not None]
    if not events:
        return []
    session = tx.session
    owners = await _owners(session, (e.visitor_id for e in events if e.visitor_id and e.customer_id is None and _is_behaviour(e.type)))
    contributions: dict[Subject, State] = {}
    published: list[dict] = []
    for event in events:
        if event.type == "visitor.identified" and event.visitor_id and event.customer_id:
            # The visitor's history so far becomes the customer's.
            previous = await session.get(Profile, event.visitor_id, with_for_update=True)
            if previous is not None:
                key = (event.customer_id, "customer")
                absorb(contributions.setdefault(key, empty()), previous.state)
                await session.delete(previous)
                await session.execute(delete(SegmentMembership).where(SegmentMembership.subject_id == event.visitor_id))
        subject = _subject(event, owners)
        if subject is None:
            continue
        published.append(_as_published(event, subject))
        if _is_behaviour(event.type):
            absorb(contributions.setdefault(subject, empty()), from_event(event.type, event.data, event.occurred_at, event.id))
    if not contributions:
        return published
    subjects = sorted(contributions, key=lambda s: s[0])
    states = await _lock_states(session, subjects)
    folded = {subject: absorb(states[subject[0]], contributions[subject]) for subject in subjects}
    if session.bind.dialect.name == "postgresql":
        await session.execute(_UPDATE_STATES_PG, {
            "ids": [s[0] for s in folded], "states": [json.dumps(state) for state in folded.values()], "now": utcnow(),
        })
    else:
        await session.execute(update(Profile), [{"subject_id": s[0], "state": state} for s, state in folded.items()])
    await evaluate_subjects(tx, [(s[0], s[1], state) for s, state in folded.items()])
    return published


async def rebuild(session: AsyncSession) -> int:
    """Recompute every profile from the interaction log; returns how many profiles there are."""
    owners = dict((await session.execute(select(Visitor.id, Visitor.customer_id))).all())
    states: dict[Subject, State] = {}
    columns = (InteractionEvent.id, InteractionEvent.type, InteractionEvent.visitor_id, InteractionEvent.customer_id,
               InteractionEvent.conversation_id, InteractionEvent.data, InteractionEvent.occurred_at)
    last_id = 0
    while True:
        rows = (await session.execute(
            select(*columns).where(InteractionEvent.id > last_id).order_by(InteractionEvent.id).limit(REBUILD_BATCH)
        )).all()
        if not rows:
            break
        for event_id, type_, visitor_id, customer_id, conversation_id, data, occurred_at in rows:
            if not _is_behaviour(type_):
                continue
            event = RecordedEvent(type_, visitor_id, customer_id, conversation_id, data, occurred_at, event_id)
            subject = _subject(event, owners)
            if subject is not None:
                absorb(states.setdefault(subject, empty()), from_event(type_, data, occurred_at, event_id))
        last_id = rows[-1][0]
    await session.execute(delete(Profile))
    now = utcnow()
    chunk: list[dict] = []
    for (subject_id, kind), state in states.items():
        chunk.append({"subject_id": subject_id, "subject_kind": kind, "state": state, "updated_at": now})
        if len(chunk) >= REBUILD_BATCH:
            await session.execute(insert(Profile), chunk)
            chunk = []
    if chunk:
        await session.execute(insert(Profile), chunk)
    return len(states)
