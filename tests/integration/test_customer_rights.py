"""Export everything about a customer; erase their personal data so that none of it can be found anywhere
in the database, nor in Rasa's tracker of their conversations."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from livechat.cli import main as livechat_cli
from livechat.db.engine import create_engine
from livechat.db.models import Base
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor

pytestmark = pytest.mark.rasa

EMAIL, NAME, PHONE = "kim.nowak@example.com", "Kim Nowak", "+48 600 700 800"
SECRET_TEXT = "my address is Lipowa 12, flat 3"
COMMENT = "Kim was happy, call 600700800"


async def _find_anywhere(database_url: str, needles: list[str]) -> list[str]:
    """Every table, every text or JSON column: where do any of the needles still appear?"""
    engine = create_engine(database_url)
    found = []
    try:
        async with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON)) or "JSON" in type(c.type).__name__]
                for column in columns:
                    rows = (await conn.execute(select(column).where(column.is_not(None)))).scalars()
                    for value in rows:
                        blob = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                        found += [f"{table.name}.{column.name}: {needle}" for needle in needles if needle.lower() in blob.lower()]
    finally:
        await engine.dispose()
    return found


async def test_export_then_erase_leaves_no_personal_value(pg_backend, make_node, rasa, monkeypatch, capsys):
    node = await make_node(pg_backend, rasa_url=rasa.rasa_url)
    await add_agent(pg_backend.database_url, "root@shop.test", role="admin")
    await add_agent(pg_backend.database_url, "ann@shop.test", name="Ann")
    root = await AgentClient.login(node.base_url, "root@shop.test", online=False)
    ann = await AgentClient.login(node.base_url, "ann@shop.test")

    kim = await Visitor.start(node.base_url)
    await kim.call("consent", {"purpose": "identification", "granted": True})
    identified = await kim.call("identify", {"email": EMAIL, "name": NAME, "phone": PHONE})
    customer_id = identified["customer_id"]
    await kim.call("track", {"event": "page_view", "props": {"url": "/demo?email=" + EMAIL, "title": NAME}})
    hello = await kim.say("where is my order 1002?")
    await kim.wait_for_reply_after(hello["seq"])
    conv = hello["conversation_id"]
    await kim.say("I want to talk to a person")
    assert await ann.wait_for_assignment() == conv
    await kim.say(SECRET_TEXT)
    await ann.say(conv, f"Thanks {NAME}, noted {SECRET_TEXT}")
    await ann.ok("close", {"conversation_id": conv, "resolution": "resolved"})
    await kim.call("csat", {"conversation_id": conv, "rating": 5, "comment": COMMENT})

    # Export: REST (supervisors and up) and CLI give the whole story.
    status, exported = await root.rest("GET", f"/api/agent/customers/{customer_id}/export")
    assert status == 200
    assert exported["identity"] == {"email": EMAIL, "name": NAME, "phone": PHONE}
    texts = [m["text"] for c in exported["conversations"] for m in c["messages"]]
    assert SECRET_TEXT in texts and exported["conversations"][0]["rating_comment"] == COMMENT
    assert {"purpose": "identification", "granted": True} == {k: exported["consents"][0][k] for k in ("purpose", "granted")}
    assert any(e["type"] == "bot.intent" for e in exported["events"])
    assert (await ann.rest("GET", f"/api/agent/customers/{customer_id}/export"))[0] == 403
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", pg_backend.database_url)
    await asyncio.to_thread(livechat_cli, ["customer", "export", kim.visitor_id])
    assert json.loads(capsys.readouterr().out)["identity"]["email"] == EMAIL

    needles = [EMAIL, NAME, PHONE, SECRET_TEXT, COMMENT, "Lipowa"]
    assert await _find_anywhere(pg_backend.database_url, needles)  # the check can see them before erasure

    # Erasure: only admins; afterwards no personal value is anywhere in the database or Rasa's tracker.
    assert (await ann.rest("DELETE", f"/api/agent/customers/{customer_id}"))[0] == 403
    status, erased = await root.rest("DELETE", f"/api/agent/customers/{customer_id}")
    assert status == 200 and erased["conversations"] == 1 and erased["rasa_trackers_not_wiped"] == []
    assert await _find_anywhere(pg_backend.database_url, needles) == []
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{rasa.rasa_url}/conversations/{conv}/tracker") as response:
            state = await response.json()
    tracker = json.dumps(state)
    assert "1002" not in tracker and "talk to a person" not in tracker.lower(), (
        [e.get("event") for e in state.get("events", [])], state.get("slots"), state.get("latest_message"))
    # Behaviour is kept under the pseudonymous ids: the profile still counts the conversation.
    status, after = await root.rest("GET", f"/api/agent/customers/{customer_id}/export")
    assert after["identity"] is None and after["profile"]["conversations"] == 1
    assert all(m["text"] == "[erased]" for c in after["conversations"] for m in c["messages"])


async def test_the_retention_job_anonymizes_old_closed_conversations(sqlite_backend, make_node, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from livechat.db.engine import create_session_factory
    from livechat.db.models import Conversation
    from livechat.db.types import utcnow

    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    old, recent = await Visitor.start(node.base_url), await Visitor.start(node.base_url)
    convs = []
    for visitor, words in ((old, "old secret 111"), (recent, "recent secret 222")):
        sent = await visitor.say(words)
        convs.append(sent["conversation_id"])
        assert await ann.wait_for_assignment() == sent["conversation_id"]
        await ann.ok("close", {"conversation_id": sent["conversation_id"], "resolution": "resolved"})
    engine = create_engine(sqlite_backend.database_url)
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(update(Conversation).where(Conversation.id == uuid.UUID(convs[0]))
                              .values(updated_at=utcnow() - timedelta(days=400)).execution_options(synchronize_session=False))
    await engine.dispose()

    monkeypatch.setenv("LIVECHAT_DATABASE_URL", sqlite_backend.database_url)
    await asyncio.to_thread(livechat_cli, ["retention", "run", "--days", "365"])
    assert await _find_anywhere(sqlite_backend.database_url, ["old secret 111"]) == []
    assert await _find_anywhere(sqlite_backend.database_url, ["recent secret 222"])
    await asyncio.to_thread(livechat_cli, ["retention", "run", "--days", "365"])  # nothing left to do, no error
