"""Segments: named rules over profile summaries, kept current as events arrive.

Built-in rule segments plus the shop's own (`segment_definitions`) are evaluated for a subject every
time its profile changes; joining or leaving records a `segment.joined` / `segment.left` event. Rules
on time (e.g. `recency_days > 90`) also change without events, and `vip` (the top decile by lifetime
value) depends on everyone, so `refresh_all` re-evaluates every profile; the server runs it hourly.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db import driver
from livechat.db.models import Profile, SegmentDefinition, SegmentMembership
from livechat.db.sql import any_of
from livechat.db.types import utcnow
from livechat.interaction_log import record
from livechat.profile_state import State, summary
from livechat.segment_rules import Rule, compile_rule
from livechat.transaction import Tx

BUILTIN_RULES = {
    "new_visitor": "visits <= 1 and orders == 0",
    "first_time_buyer": "orders == 1",
    "repeat_customer": "orders >= 2",
    "churn_risk": "orders >= 1 and recency_days > 90",
    "cart_abandoner": "cart_open and orders == 0",
}
VIP = "vip"
VIP_SHARE = 0.10
CACHE_TTL_S = 10.0

REFRESH_EVERY_S = 3600

log = logging.getLogger(__name__)
_cache: tuple[float, dict[str, Rule]] | None = None


async def run_segment_refresh(transaction, *, every_s: float = REFRESH_EVERY_S) -> None:
    """Re-evaluate all profiles every `every_s` seconds (the first run after one period)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            count = await refresh_all(transaction)
            log.info("segments refreshed for %d profiles", count)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next round retries
            log.exception("segment refresh failed")


def invalidate_cache() -> None:
    global _cache
    _cache = None


async def rules(session: AsyncSession) -> dict[str, Rule]:
    """Built-in and custom rules, compiled; custom definitions are re-read at most every CACHE_TTL_S."""
    global _cache
    if _cache is None or time.monotonic() - _cache[0] > CACHE_TTL_S:
        compiled = {name: compile_rule(text) for name, text in BUILTIN_RULES.items()}
        for definition in await session.scalars(select(SegmentDefinition)):
            compiled[definition.name] = compile_rule(definition.rule)
        _cache = (time.monotonic(), compiled)
    return _cache[1]



@dataclass
class SegmentChanges:
    """Membership rows to add and remove; the matching segment events are already recorded."""

    joined: list[dict] = field(default_factory=list)  # {"subject_id", "segment", "since"}
    left: list[tuple[uuid.UUID, str]] = field(default_factory=list)


_MEMBERSHIPS_PG = "SELECT subject_id, segment FROM segment_memberships WHERE subject_id = ANY(CAST(:ids AS uuid[]))"


async def current_memberships(session: AsyncSession, subject_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    current: dict[uuid.UUID, set[str]] = {}
    if session.bind.dialect.name == "postgresql":  # on every message batch's path
        for row in await driver.fetch(session, _MEMBERSHIPS_PG, {"ids": list(subject_ids)}):
            current.setdefault(row["subject_id"], set()).add(row["segment"])
        return current
    for subject_id, segment in (await session.execute(
        select(SegmentMembership.subject_id, SegmentMembership.segment).where(any_of(session, SegmentMembership.subject_id, subject_ids))
    )).all():
        current.setdefault(subject_id, set()).add(segment)
    return current


async def plan_changes(tx: Tx, subjects: list[tuple[uuid.UUID, str, State]], current: dict[uuid.UUID, set[str]], *,
                       now: datetime | None = None) -> SegmentChanges:
    """The rule-segment memberships that change for these subjects given their profiles and current
    memberships (other segments, e.g. vip, are left alone); records a segment event for each change."""
    compiled = await rules(tx.session)
    moment = now or utcnow()
    changes = SegmentChanges()
    for subject_id, kind, state in subjects:
        view = summary(state, moment)
        wanted = {name for name, rule in compiled.items() if rule.evaluate(view)}
        had = current.get(subject_id, set()) & compiled.keys()
        if wanted == had:
            continue
        ids = {"customer_id": subject_id} if kind == "customer" else {"visitor_id": subject_id}
        for name in sorted(wanted - had):
            changes.joined.append({"subject_id": subject_id, "segment": name, "since": moment})
            record(tx, "segment.joined", data={"segment": name}, **ids)
        for name in sorted(had - wanted):
            changes.left.append((subject_id, name))
            record(tx, "segment.left", data={"segment": name}, **ids)
    return changes


async def apply_changes(session: AsyncSession, changes: SegmentChanges) -> None:
    # Core statements: one insert and one delete for every subject's changes together.
    if changes.joined:
        await session.execute(SegmentMembership.__table__.insert(), changes.joined)
    if changes.left:
        await session.execute(delete(SegmentMembership).where(
            tuple_(SegmentMembership.subject_id, SegmentMembership.segment).in_(changes.left)))


async def evaluate_subjects(tx: Tx, subjects: list[tuple[uuid.UUID, str, State]], *, now: datetime | None = None) -> None:
    """Bring subjects' rule-segment memberships in line with their profiles; record each change.

    One query reads every subject's current memberships; only subjects whose segments change write.
    """
    if not subjects:
        return
    current = await current_memberships(tx.session, [s[0] for s in subjects])
    await apply_changes(tx.session, await plan_changes(tx, subjects, current, now=now))


async def refresh_all(transaction, *, batch: int = 1_000) -> int:
    """Re-evaluate every profile (time passes) and recompute VIP; returns how many profiles were read."""
    invalidate_cache()
    seen = 0
    last: uuid.UUID | None = None
    values: list[tuple[int, uuid.UUID]] = []
    while True:
        async with transaction() as tx:
            query = select(Profile).order_by(Profile.subject_id).limit(batch)
            if last is not None:
                query = query.where(Profile.subject_id > last)
            profiles = list(await tx.session.scalars(query))
            if not profiles:
                break
            await evaluate_subjects(tx, [(p.subject_id, p.subject_kind, p.state) for p in profiles])
            for profile in profiles:
                revenue = profile.state["sum"].get("revenue_cents", 0)
                if profile.subject_kind == "customer" and revenue > 0:
                    values.append((revenue, profile.subject_id))
            seen += len(profiles)
            last = profiles[-1].subject_id
    async with transaction() as tx:
        await _set_vips(tx, values)
    return seen


async def _set_vips(tx: Tx, values: list[tuple[int, uuid.UUID]]) -> None:
    """VIP: the customers in the top decile by lifetime value (at least one once anyone bought)."""
    ranked = sorted(values, reverse=True)
    top = {subject for _, subject in ranked[: max(1, round(len(ranked) * VIP_SHARE))]} if ranked else set()
    current = set(await tx.session.scalars(select(SegmentMembership.subject_id).where(SegmentMembership.segment == VIP)))
    for subject in sorted(top - current):
        tx.session.add(SegmentMembership(subject_id=subject, segment=VIP))
        record(tx, "segment.joined", customer_id=subject, data={"segment": VIP})
    if current - top:
        await tx.session.execute(delete(SegmentMembership).where(
            SegmentMembership.segment == VIP, SegmentMembership.subject_id.in_(sorted(current - top))))
        for subject in sorted(current - top):
            record(tx, "segment.left", customer_id=subject, data={"segment": VIP})
