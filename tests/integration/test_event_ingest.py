"""Events arriving together are stored together: every one exactly once and folded into its profile,
consent read in the batch's own transaction, and a failed batch fails its callers, not the ingestor."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select

from livechat.api.appkeys import INGESTOR, SERVICES
from livechat.db.models import InteractionEvent, Profile
from livechat.event_ingest import EventIngestor
from tests.support.visitor import Visitor


async def _count(services, *conditions) -> int:
    async with services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(InteractionEvent).where(*conditions))


async def test_concurrent_track_events_are_each_stored_once_and_folded(backend, make_node):
    node = await make_node(backend, require_consent=True)
    services = node.app[SERVICES]
    agreed = [await Visitor.start(node.base_url) for _ in range(4)]
    for visitor in agreed:
        await visitor.call("consent", {"purpose": "tracking", "granted": True, "notice_version": "2026-11"})
    silent = await Visitor.start(node.base_url)  # never agreed: nothing of theirs may be stored

    async def browse(visitor: Visitor, pages: int) -> list[bool]:
        calls = [visitor.call("track", {"event": "page_view", "props": {"url": f"/p/{i}"}}) for i in range(pages)]
        return [reply["stored"] for reply in await asyncio.gather(*calls)]

    results = await asyncio.gather(*(browse(v, 25) for v in agreed), browse(silent, 10))
    assert all(all(r) for r in results[:-1]) and not any(results[-1])

    for visitor in agreed:
        vid = uuid.UUID(visitor.visitor_id)
        assert await _count(services, InteractionEvent.visitor_id == vid, InteractionEvent.type == "track.page_view") == 25
        async with services.sessions() as session:
            state = await session.scalar(select(Profile.state).where(Profile.subject_id == vid))
        assert state["tally"]["tracked"] == {"page_view": 25}
    assert await _count(services, InteractionEvent.visitor_id == uuid.UUID(silent.visitor_id), InteractionEvent.type.like("track.%")) == 0


async def test_a_withdrawal_stops_events_queued_behind_it(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    services = node.app[SERVICES]
    visitor = await Visitor.start(node.base_url)
    vid = uuid.UUID(visitor.visitor_id)
    assert (await visitor.call("track", {"event": "page_view", "props": {"url": "/"}}))["stored"]

    await visitor.call("consent", {"purpose": "tracking", "granted": False, "notice_version": "2026-11"})
    stored = await asyncio.gather(*(node.app[INGESTOR].record("track.page_view", visitor_id=vid, data={}, gate="tracking")
                                    for _ in range(20)))
    assert stored == [False] * 20
    assert await _count(services, InteractionEvent.visitor_id == vid, InteractionEvent.type.like("track.%")) == 1


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_is_stored(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    services = node.app[SERVICES]
    failures = Counter()

    @asynccontextmanager
    async def flaky_transaction():
        async with services.transaction() as tx:
            yield tx
            if failures["left"] > 0:
                failures["left"] -= 1
                raise ConnectionResetError("database went away")

    ingestor = EventIngestor(flaky_transaction, may_track=lambda visitor: True, shards=1)
    ingestor.start()
    try:
        visitor_id = uuid.uuid4()
        failures["left"] = 1
        with pytest.raises(ConnectionResetError):
            await ingestor.record("order.placed", customer_id=visitor_id, data={"order_id": "1001", "total_cents": 4200})
        assert await ingestor.record("order.placed", customer_id=visitor_id, data={"order_id": "1002", "total_cents": 900})
        async with services.sessions() as session:
            rows = (await session.execute(select(InteractionEvent.data).where(
                InteractionEvent.customer_id == visitor_id, InteractionEvent.type == "order.placed"))).scalars().all()
            state = await session.scalar(select(Profile.state).where(Profile.subject_id == visitor_id))
        assert [r["order_id"] for r in rows] == ["1002"]  # the failed batch was rolled back, not half stored
        assert state["sum"]["revenue_cents"] == 900
    finally:
        await ingestor.close()
    with pytest.raises(ConnectionError):
        await ingestor.record("track.page_view", visitor_id=uuid.uuid4())
