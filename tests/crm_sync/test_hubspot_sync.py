"""Profiles, orders and closed chats reach the HubSpot-style stand-in: only customers who agreed to be
identified, every record once, through rate limits, server errors and malformed replies; erasure and
consent withdrawal reach the CRM as deletions and cleared properties."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from crm_sync.destination import TransientError
from crm_sync.hubspot import HubSpot
from crm_sync.jobs import run_connector
from livechat.customer_rights import erase_subject
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Conversation, ConversationState
from livechat.order_import import import_order
from livechat.shop_orders import ShopOrder
from livechat.transaction import EventBus, transaction
from livechat.visitor_privacy import ConsentIn, give_consent
from tests.support.crm_data import make_customers, visitor_of


class Db:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)

    def tx(self):
        return transaction(self.sessions, EventBus())


@pytest.fixture
async def db(pg_backend):
    database = Db(pg_backend.database_url)
    yield database
    await database.engine.dispose()


def order(number: str, email: str, cents: int = 4200) -> ShopOrder:
    return ShopOrder(number=number, total_cents=cents, currency="EUR", status="processing", placed_at=datetime(2026, 11, 1, tzinfo=UTC),
                     email=email, discount_codes=["WELCOME10"])


async def sync(settings, db) -> dict[str, int]:
    async with aiohttp.ClientSession() as http:
        return await run_connector({"settings": settings, "sessions": db.sessions, "http": http}, "hubspot")


async def test_consenting_customers_orders_and_chats_arrive_once(crm_settings, standin, db, pg_backend):
    settings = crm_settings(crm_batch_size=3)
    customers = await make_customers(pg_backend.database_url, 7)
    kim = customers["c0@example.com"]
    async with db.tx() as tx:
        await import_order(tx, order("A-1", "c0@example.com"), source="shopify")
        # Ola only ever ordered: she never agreed to be identified in the chat, so no CRM hears of her.
        await import_order(tx, order("A-2", "ola@example.com", 999), source="shopify")
        tx.session.add(Conversation(visitor_id=await visitor_of(pg_backend.database_url, kim), state=ConversationState.CLOSED,
                                    resolution="resolved", last_seq=4, closed_at=datetime.now(UTC), csat_rating=5))

    # A bad day at the CRM: rate limits (waited out), then a 502, then a malformed reply; the job fails
    # with a transient error, and the next run carries on from the cursor.
    standin.fail_next(2, 429, retry_after_s=0.05)
    standin.fail_next(1, 502)
    with pytest.raises(TransientError):
        await sync(settings, db)
    standin.malformed_next(1)
    with pytest.raises(TransientError):
        await sync(settings, db)
    sent = await sync(settings, db)
    assert sent["contacts"] >= 1

    contacts = standin.properties("contacts")
    assert set(contacts) == {str(c) for c in customers.values()}
    assert contacts[str(kim)]["email"] == "c0@example.com" and contacts[str(kim)]["firstname"] == "Customer"
    assert contacts[str(kim)]["shopchat_orders"] == 1 and contacts[str(kim)]["shopchat_lifetime_value"] == "42.00"
    assert "first_time_buyer" in contacts[str(kim)]["shopchat_segments"].split(";")
    assert not any(p["email"] == "ola@example.com" for p in contacts.values())
    # Every record created exactly once, however many times a batch was sent.
    assert standin.stats()["created_twice"] == [] and all(n == 1 for n in standin.created.values())
    kim_remote = standin.objects["contacts"][str(kim)]["id"]
    deals = standin.objects["deals"]
    assert set(deals) == {"A-1"} and deals["A-1"]["properties"]["amount"] == "42.00"
    assert deals["A-1"]["associations"][0]["to"]["id"] == kim_remote
    notes = list(standin.objects["notes"].values())
    assert len(notes) == 1 and notes[0]["associations"][0]["to"]["id"] == kim_remote
    assert "resolution: resolved" in notes[0]["properties"]["hs_note_body"] and "rated 5/5" in notes[0]["properties"]["hs_note_body"]

    # Nothing changed: nothing is sent again.
    before = sum(standin.requests.values())
    assert await sync(settings, db) == {"privacy": 0, "contacts": 0, "deals": 0, "notes": 0}
    assert sum(standin.requests.values()) == before

    # The CRM's list endpoint pages with `after`; reading it back gives every contact once.
    async with aiohttp.ClientSession() as http:
        listed = [c async for c in HubSpot(http, standin.url, "test-token").list_all("contacts", page_size=2)]
    assert sorted(c["properties"]["shopchat_id"] for c in listed) == sorted(contacts)


async def test_erasure_and_withdrawals_reach_the_crm(crm_settings, standin, db, pg_backend):
    settings = crm_settings()
    customers = await make_customers(pg_backend.database_url, 4)
    erased, withdrawn, untracked, kept = (customers[f"c{n}@example.com"] for n in range(4))
    await sync(settings, db)
    assert len(standin.objects["contacts"]) == 4

    async with db.tx() as tx:
        await erase_subject(tx, erased)
    async with db.tx() as tx:
        await give_consent(tx, await visitor_of(pg_backend.database_url, withdrawn), ConsentIn(purpose="identification", granted=False))
    async with db.tx() as tx:
        await give_consent(tx, await visitor_of(pg_backend.database_url, untracked), ConsentIn(purpose="tracking", granted=False))
    sent = await sync(settings, db)

    contacts = standin.properties("contacts")
    assert set(contacts) == {str(untracked), str(kept)}
    assert standin.archived[("contacts", str(erased))] == 1 and standin.archived[("contacts", str(withdrawn))] == 1
    # Tracking withdrawn: the contact stays (identification still granted) without behaviour.
    assert contacts[str(untracked)]["shopchat_visits"] == "" and contacts[str(untracked)]["shopchat_consent_tracking"] is False
    assert contacts[str(kept)]["shopchat_visits"] == 0 and contacts[str(kept)]["shopchat_consent_tracking"] is True
    assert sent["privacy"] == 2
    # They stay deleted on later runs.
    await sync(settings, db)
    assert set(standin.objects["contacts"]) == {str(untracked), str(kept)}


async def test_the_embedded_sqlite_database_syncs_too(sqlite_backend, standin, tmp_path):
    from livechat.settings import Settings

    settings = Settings(database_url=sqlite_backend.database_url, crm_hubspot_url=standin.url, crm_hubspot_token="test-token",
                        crm_settle_s=0, crm_batch_size=2, data_dir=tmp_path / "data")
    customers = await make_customers(sqlite_backend.database_url, 5)
    db = Db(sqlite_backend.database_url)
    try:
        await sync(settings, db)
        async with db.tx() as tx:
            await erase_subject(tx, customers["c1@example.com"])
        await sync(settings, db)
    finally:
        await db.engine.dispose()
    assert set(standin.objects["contacts"]) == {str(c) for e, c in customers.items() if e != "c1@example.com"}
    assert all(n == 1 for n in standin.created.values())


async def test_orders_from_before_the_consent_follow_the_new_contact(crm_settings, standin, db, pg_backend):
    from livechat.db.models import Visitor
    from livechat.visitor_privacy import IdentifyIn, identify

    settings = crm_settings()
    async with db.tx() as tx:
        first = await import_order(tx, order("B-1", "late@example.com", 1500), source="woocommerce")
    await sync(settings, db)
    assert standin.objects["contacts"] == {} and standin.objects["deals"] == {}  # not agreed yet: nothing

    async with db.tx() as tx:
        visitor = Visitor()
        tx.session.add(visitor)
        await tx.session.flush()
        await give_consent(tx, visitor.id, ConsentIn(purpose="identification", granted=True))
        customer_id = await identify(tx, visitor.id, IdentifyIn(email="late@example.com"))
    assert customer_id == first.customer_id  # the shop's customer, found by email
    await sync(settings, db)
    contact = standin.objects["contacts"][str(customer_id)]
    assert contact["properties"]["shopchat_orders"] == 1
    deal = standin.objects["deals"]["B-1"]
    assert deal["properties"]["amount"] == "15.00" and deal["associations"][0]["to"]["id"] == contact["id"]
