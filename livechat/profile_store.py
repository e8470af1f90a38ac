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

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db import driver
from livechat.db.models import InteractionEvent, Profile, SegmentMembership, Visitor
from livechat.db.types import utcnow
from livechat.interaction_log import RecordedEvent
from livechat.profile_state import NOT_BEHAVIOUR, State, absorb, empty, from_event
from livechat.segments import current_memberships, evaluate_subjects, plan_changes
from livechat.transaction import Tx

Subject = tuple[uuid.UUID, str]
# Where an event's contribution goes before the database is asked: (id, kind, resolve). With resolve, the
# id is a visitor whose customer, if the visitor is linked to one, is the subject (read under the lock).
Key = tuple[uuid.UUID, str, bool]
REBUILD_BATCH = 5_000


def _key(event: RecordedEvent) -> Key | None:
    if event.customer_id is not None:
        return event.customer_id, "customer", False
    if event.visitor_id is None:
        return None  # e.g. an agent logging in: nobody's profile
    # Bookkeeping is recorded under its subject's own id; behaviour goes to the visitor's customer if known.
    return event.visitor_id, "visitor", _is_behaviour(event.type)


def _subject(event: RecordedEvent, owners: dict[uuid.UUID, uuid.UUID | None]) -> Subject | None:
    key = _key(event)
    if key is None:
        return None
    owner = owners.get(key[0]) if key[2] else None
    return (owner, "customer") if owner is not None else (key[0], key[1])


def _is_behaviour(event_type: str) -> bool:
    return not event_type.startswith(NOT_BEHAVIOUR)


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


# Array parameters rather than a row per parameter set: one prepared statement whatever the count, and
# none of the per-row parameter processing that dominates bulk statements in Python. Ids are drawn from
# the sequence in the rows' order (PostgreSQL evaluates volatile output after ORDER BY), so the sorted
# returned ids are the events' ids in the order they were recorded.
_INSERT_EVENTS_PG = """
    INSERT INTO interaction_events (id, type, occurred_at, visitor_id, customer_id, conversation_id, data)
    SELECT nextval(pg_get_serial_sequence('interaction_events', 'id')), e.type, e.at, e.visitor, e.customer,
           e.conversation, CAST(e.data AS jsonb)
    FROM unnest(CAST(:types AS varchar[]), CAST(:ats AS timestamptz[]), CAST(:visitors AS uuid[]),
                CAST(:customers AS uuid[]), CAST(:conversations AS uuid[]), CAST(:datas AS text[]))
         WITH ORDINALITY AS e(type, at, visitor, customer, conversation, data, ord)
    ORDER BY e.ord
    RETURNING id
"""
# The subjects of the contributions (a visitor's customer if linked), their profile rows created empty
# where missing and locked for this transaction in id order (so concurrent transactions cannot
# deadlock on them; a no-op update locks an existing row), and every state, in one round trip.
_LOCK_STATES_PG = """
    WITH k AS (
        SELECT * FROM unnest(CAST(:keys AS uuid[]), CAST(:kinds AS varchar[]), CAST(:resolve AS boolean[])) AS k(key, kind, resolve)
    ), s AS (
        SELECT k.key, coalesce(v.customer_id, k.key) AS id, CASE WHEN v.customer_id IS NULL THEN k.kind ELSE 'customer' END AS kind
        FROM k LEFT JOIN visitors v ON k.resolve AND v.id = k.key
    ), locked AS (
        INSERT INTO profiles (subject_id, subject_kind, state, updated_at)
        SELECT DISTINCT ON (s.id) s.id, s.kind, CAST(CAST(:empty AS text) AS jsonb), CAST(:now AS timestamptz) FROM s ORDER BY s.id
        ON CONFLICT (subject_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
        RETURNING subject_id, subject_kind, state
    )
    SELECT s.key, locked.subject_id, locked.subject_kind, locked.state FROM s JOIN locked ON locked.subject_id = s.id
"""
# The folded states and the segment membership changes they cause, in one round trip; the segment
# events the changes recorded are inserted by the same statement (ids as in _INSERT_EVENTS_PG).
_WRITE_STATES_PG = f"""
    WITH states AS (
        UPDATE profiles SET state = CAST(u.state AS jsonb), updated_at = CAST(:now AS timestamptz)
        FROM unnest(CAST(:ids AS uuid[]), CAST(:states AS text[])) AS u(id, state)
        WHERE profiles.subject_id = u.id
    ), joined AS (
        INSERT INTO segment_memberships (subject_id, segment, since)
        SELECT j.id, j.segment, CAST(:now AS timestamptz) FROM unnest(CAST(:joined_ids AS uuid[]), CAST(:joined AS varchar[])) AS j(id, segment)
    ), left_ AS (
        DELETE FROM segment_memberships m USING unnest(CAST(:left_ids AS uuid[]), CAST(:left AS varchar[])) AS l(id, segment)
        WHERE m.subject_id = l.id AND m.segment = l.segment
    )
    {_INSERT_EVENTS_PG}
"""


async def _owners(session: AsyncSession, visitor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    ids = list(set(visitor_ids))
    if not ids:
        return {}
    return dict((await session.execute(select(Visitor.id, Visitor.customer_id).where(Visitor.id.in_(ids)))).all())


def _event_arrays(events: list[RecordedEvent]) -> dict[str, list]:
    return {"types": [e.type for e in events], "ats": [e.occurred_at for e in events],
            "visitors": [e.visitor_id for e in events], "customers": [e.customer_id for e in events],
            "conversations": [e.conversation_id for e in events], "datas": [_dumps(e.data) for e in events]}


def _give_ids(events: list[RecordedEvent], ids: Iterable[int]) -> None:
    for event, event_id in zip(events, sorted(ids), strict=True):
        event.id = event_id


async def _store(session: AsyncSession, events: list[RecordedEvent]) -> None:
    """Insert the events and give each its id, in the order they were recorded."""
    if session.bind.dialect.name == "postgresql":
        _give_ids(events, (row["id"] for row in await driver.fetch(session, _INSERT_EVENTS_PG, _event_arrays(events))))
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
    may record more (segment changes): stored with the fold's last statement where it can, else in the
    next round."""
    published: list[dict] = []
    while tx.recorded:
        events, tx.recorded = tx.recorded, []
        unstored = [e for e in events if e.id is None]
        if unstored:
            await _store(tx.session, unstored)
        published.extend(await _fold(tx, events))
    if published:
        # Listeners (offer triggers, outgoing webhooks) see the events once they are committed.
        tx.emit("interactions.recorded", events=published)


async def _fold(tx: Tx, events: list[RecordedEvent]) -> list[dict]:
    """Fold events into their subjects' profiles; returns the events with their subjects, for listeners."""
    session = tx.session
    keyed = [(event, key) for event in events if (key := _key(event)) is not None]
    contributions: dict[Key, State] = {}
    for event, key in keyed:
        if event.type == "visitor.identified" and event.visitor_id and event.customer_id:
            # The visitor's history so far becomes the customer's.
            previous = await session.get(Profile, event.visitor_id, with_for_update=True)
            if previous is not None:
                absorb(contributions.setdefault((event.customer_id, "customer", False), empty()), previous.state)
                await session.delete(previous)
                await session.execute(delete(SegmentMembership).where(SegmentMembership.subject_id == event.visitor_id))
        if _is_behaviour(event.type):
            absorb(contributions.setdefault(key, empty()), from_event(event.type, event.data, event.occurred_at, event.id))
    if not contributions:
        return [_as_published(event, key[:2]) for event, key in keyed]
    if session.bind.dialect.name == "postgresql":
        subjects = await _fold_pg(tx, contributions)
    else:
        subjects = await _fold_generic(tx, contributions)
    return [_as_published(event, subjects.get(key) or key[:2]) for event, key in keyed]


async def _fold_pg(tx: Tx, contributions: dict[Key, State]) -> dict[Key, Subject]:
    session = tx.session
    keys = list(contributions)
    rows = await driver.fetch(session, _LOCK_STATES_PG, {
        "keys": [k[0] for k in keys], "kinds": [k[1] for k in keys], "resolve": [k[2] for k in keys],
        "empty": _dumps(empty()), "now": utcnow(),
    })
    by_id = {k[0]: k for k in keys}
    subjects: dict[Key, Subject] = {}
    folded: dict[Subject, State] = {}
    for key_id, subject_id, kind, state in rows:
        key = by_id[key_id]
        subject = (subject_id, kind)
        subjects[key] = subject
        folded[subject] = absorb(folded.get(subject, state), contributions[key])
    current = await current_memberships(session, [s[0] for s in folded])
    changes = await plan_changes(tx, [(s[0], s[1], state) for s, state in folded.items()], current)
    # The segment events just recorded go in with the states.
    segment_events, tx.recorded = tx.recorded, []
    ids = [row["id"] for row in await driver.fetch(session, _WRITE_STATES_PG, {
        "ids": [s[0] for s in folded], "states": [_dumps(state) for state in folded.values()], "now": utcnow(),
        "joined_ids": [j["subject_id"] for j in changes.joined], "joined": [j["segment"] for j in changes.joined],
        "left_ids": [subject for subject, _ in changes.left], "left": [segment for _, segment in changes.left],
        **_event_arrays(segment_events),
    })]
    _give_ids(segment_events, ids)
    tx.recorded = segment_events + tx.recorded  # stored; folded (they are bookkeeping) in the next round
    return subjects


async def _fold_generic(tx: Tx, contributions: dict[Key, State]) -> dict[Key, Subject]:
    session = tx.session
    owners = await _owners(session, (k[0] for k in contributions if k[2]))
    subjects: dict[Key, Subject] = {}
    merged: dict[Subject, State] = {}
    for key, contribution in contributions.items():
        owner = owners.get(key[0]) if key[2] else None
        subject = (owner, "customer") if owner is not None else (key[0], key[1])
        subjects[key] = subject
        absorb(merged.setdefault(subject, empty()), contribution)
    ordered = sorted(merged, key=lambda s: s[0])
    # SQLite has one writer at a time: the transaction already holds the database.
    await session.execute(sqlite_insert(Profile).on_conflict_do_nothing(), [
        {"subject_id": subject_id, "subject_kind": kind, "state": empty(), "updated_at": utcnow()} for subject_id, kind in ordered])
    states = dict((await session.execute(
        select(Profile.subject_id, Profile.state).where(Profile.subject_id.in_([s[0] for s in ordered])))).all())
    folded = {subject: absorb(states[subject[0]], merged[subject]) for subject in ordered}
    await session.execute(update(Profile), [{"subject_id": s[0], "state": state} for s, state in folded.items()])
    await evaluate_subjects(tx, [(s[0], s[1], state) for s, state in folded.items()])
    return subjects


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
