"""Keeping profiles current: every transaction folds the interaction events it recorded into their
subjects' profiles before it commits; `rebuild` recomputes them all from the event log.

The subject of an event is its customer when known (directly, or through the visitor's link), else the
pseudonymous visitor. When a visitor is identified, their visitor profile is combined into the
customer's and removed, which is what a rebuild with the new link computes too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import InteractionEvent, Profile, SegmentMembership, Visitor
from livechat.profile_state import State, combine, empty, from_event
from livechat.segments import evaluate_subjects
from livechat.transaction import Tx

Subject = tuple[uuid.UUID, str]
REBUILD_BATCH = 5_000


def _subject(event: InteractionEvent, owners: dict[uuid.UUID, uuid.UUID | None]) -> Subject | None:
    if event.customer_id is not None:
        return event.customer_id, "customer"
    if event.visitor_id is None:
        return None  # e.g. an agent logging in: nobody's profile
    owner = owners.get(event.visitor_id)
    return (owner, "customer") if owner is not None else (event.visitor_id, "visitor")


async def _owners(session: AsyncSession, visitor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    ids = list(set(visitor_ids))
    if not ids:
        return {}
    return dict((await session.execute(select(Visitor.id, Visitor.customer_id).where(Visitor.id.in_(ids)))).all())


async def _locked_profiles(session: AsyncSession, subjects: list[Subject]) -> dict[uuid.UUID, Profile]:
    """The subjects' profile rows, created empty where missing, locked for this transaction (in id order,
    so concurrent transactions cannot deadlock on them). Two statements, however many subjects."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(Profile).on_conflict_do_nothing(),
        [{"subject_id": subject_id, "subject_kind": kind, "state": empty()} for subject_id, kind in subjects],
    )
    rows = await session.scalars(
        select(Profile).where(Profile.subject_id.in_([s[0] for s in subjects])).order_by(Profile.subject_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    return {row.subject_id: row for row in rows}


def _as_published(event: InteractionEvent, subject: Subject) -> dict:
    return {
        "id": event.id, "type": event.type, "subject_id": subject[0], "subject_kind": subject[1],
        "visitor_id": event.visitor_id, "customer_id": event.customer_id, "conversation_id": event.conversation_id,
        "data": event.data, "occurred_at": event.occurred_at,
    }


async def fold_recorded(tx: Tx) -> None:
    """Fold the events this transaction recorded into their profiles (run just before commit)."""
    events = [e for e in tx.recorded if e.visitor_id is not None or e.customer_id is not None]
    if not events:
        return
    session = tx.session
    await session.flush()  # event ids, and links made in this transaction
    owners = await _owners(session, (e.visitor_id for e in events if e.visitor_id and e.customer_id is None))
    contributions: dict[Subject, State] = {}
    published: list[dict] = []
    for event in events:
        if event.type == "visitor.identified" and event.visitor_id and event.customer_id:
            # The visitor's history so far becomes the customer's.
            previous = await session.get(Profile, event.visitor_id, with_for_update=True)
            if previous is not None:
                key = (event.customer_id, "customer")
                contributions[key] = combine(contributions.get(key, empty()), previous.state)
                await session.delete(previous)
                await session.execute(delete(SegmentMembership).where(SegmentMembership.subject_id == event.visitor_id))
        subject = _subject(event, owners)
        if subject is not None:
            contributions[subject] = combine(contributions.get(subject, empty()), from_event(event.type, event.data, event.occurred_at, event.id))
            published.append(_as_published(event, subject))
    # Listeners (offer triggers, outgoing webhooks) see the events once they are committed.
    tx.emit("interactions.recorded", events=published)
    subjects = sorted(contributions, key=lambda s: s[0])
    rows = await _locked_profiles(session, subjects)
    for subject in subjects:
        row = rows[subject[0]]
        row.state = combine(row.state, contributions[subject])
    await evaluate_subjects(tx, [(s[0], s[1], rows[s[0]].state) for s in subjects])


async def rebuild(session: AsyncSession) -> int:
    """Recompute every profile from the interaction log; returns how many profiles there are."""
    owners = dict((await session.execute(select(Visitor.id, Visitor.customer_id))).all())
    states: dict[Subject, State] = {}
    last_id = 0
    while True:
        batch = list(await session.scalars(
            select(InteractionEvent).where(InteractionEvent.id > last_id).order_by(InteractionEvent.id).limit(REBUILD_BATCH)
        ))
        if not batch:
            break
        for event in batch:
            subject = _subject(event, owners)
            if subject is not None:
                states[subject] = combine(states.get(subject, empty()), from_event(event.type, event.data, event.occurred_at, event.id))
        last_id = batch[-1].id
        session.expunge_all()
    await session.execute(delete(Profile))
    session.add_all(Profile(subject_id=s[0], subject_kind=s[1], state=state) for s, state in states.items())
    await session.flush()
    return len(states)
