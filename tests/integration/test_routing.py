"""Routing chats to people: capacity, least-busy and round-robin, queue position, nobody online and
leaving a message, agents who drop out, transfers, and what each role may do.

The bot is unreachable in these tests, which is the quickest honest way to queue a chat for a person
(the visitor is told the assistant is unavailable and the chat goes to the queue)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def queued_visitor(node, text: str = "hello, I need help") -> tuple[Visitor, str]:
    visitor = await Visitor.start(node.base_url)
    sent = await visitor.say(text)
    await visitor.wait_for(lambda: any(s["state"] == "queued" for s in visitor.states), what="queued")
    return visitor, sent["conversation_id"]


async def test_least_busy_assignment_respects_capacity_and_fills_freed_slots(backend, make_node):
    node = await make_node(backend, router_sweep_s=0.5)
    await add_agent(backend.database_url, "ann@shop.test", max_chats=1)
    await add_agent(backend.database_url, "bob@shop.test", max_chats=2)
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    bob = await AgentClient.login(node.base_url, "bob@shop.test")

    visitors = [await queued_visitor(node) for _ in range(4)]
    await asyncio.sleep(0.3)
    assigned = {"ann": [], "bob": []}
    assigned["ann"].append(await ann.wait_for_assignment())
    assigned["bob"].append(await bob.wait_for_assignment())
    assigned["bob"].append(await bob.wait_for_assignment())
    # Everyone is full: the fourth visitor waits, first in line, and is told so.
    last_visitor, last_conv = visitors[-1]
    assert last_conv not in assigned["ann"] + assigned["bob"]
    queue = await last_visitor.wait_for(lambda: [q for q in last_visitor.queue if q["position"] == 1], what="queue position")
    assert queue[-1]["expected_wait_s"] > 0 and queue[-1]["agents_online"] == 2

    # Ann closes her chat: the waiting one is hers at once.
    await ann.ok("close", {"conversation_id": assigned["ann"][0], "resolution": "resolved"})
    assert await ann.wait_for_assignment() == last_conv
    await last_visitor.wait_for(lambda: any(s["state"] == "assigned" and s["agent"] == {"name": "Ann"} for s in last_visitor.states),
                                what="assigned to Ann")
    joined = await last_visitor.wait_for(
        lambda: [m for m in last_visitor.received if (m["payload"] or {}).get("type") == "agent_joined"], what="agent joined")
    assert joined[-1]["text"] == "Ann joined the chat."


async def test_round_robin_takes_turns(sqlite_backend, make_node):
    # Least-busy would give Ann (room for 10) three of these four and Bob (room for 3) one.
    node = await make_node(sqlite_backend, routing_strategy="round_robin")
    await add_agent(sqlite_backend.database_url, "ann@shop.test", max_chats=10)
    await add_agent(sqlite_backend.database_url, "bob@shop.test", max_chats=3)
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    bob = await AgentClient.login(node.base_url, "bob@shop.test")
    for _ in range(4):
        await queued_visitor(node)
        await asyncio.sleep(0.2)
    await ann.wait_for(lambda: len([n for n in ann.of("notification") if n["kind"] == "assigned"]) == 2, what="two chats")
    await bob.wait_for(lambda: len([n for n in bob.of("notification") if n["kind"] == "assigned"]) == 2, what="two chats")


async def test_languages_and_teams_route_to_the_right_people(pg_backend, make_node):
    # Chats the bot cannot take go to the support team's queue.
    node = await make_node(pg_backend, handoff_teams={"bot_unavailable": "support"})
    await add_agent(pg_backend.database_url, "sales@shop.test", teams=["sales"], languages=["en", "pl"])
    await add_agent(pg_backend.database_url, "ola@shop.test", teams=["support"], languages=["pl"])
    await add_agent(pg_backend.database_url, "sam@shop.test", teams=["support"], languages=["en"])
    sales = await AgentClient.login(node.base_url, "sales@shop.test")
    ola = await AgentClient.login(node.base_url, "ola@shop.test")
    sam = await AgentClient.login(node.base_url, "sam@shop.test")

    polish = await Visitor.start(node.base_url, language="pl")
    sent = await polish.say("dzień dobry, mam problem z zamówieniem")
    assert await ola.wait_for_assignment() == sent["conversation_id"]
    _english, conv = await queued_visitor(node)
    assert await sam.wait_for_assignment() == conv

    # Sam passes the chat to sales: it waits in the sales queue and only sales takes it.
    moved = await sam.ok("transfer", {"conversation_id": conv, "team": "sales"})
    assert moved["conversation"]["state"] == "queued" and moved["conversation"]["team"] == "sales"
    assert await sales.wait_for_assignment() == conv
    assert [n["kind"] for n in sales.of("notification") if n.get("conversation_id") == conv][-1] == "assigned"
    assert not [n for n in sales.of("notification") if n.get("conversation_id") == sent["conversation_id"] and n["kind"] == "assigned"]


async def test_nobody_online_lets_the_visitor_leave_a_message(backend, make_node):
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test")
    visitor, conv = await queued_visitor(node, "is anyone there?")
    notice = await visitor.wait_for(
        lambda: [m for m in visitor.received if (m["payload"] or {}).get("type") == "no_agents"], what="nobody online")
    assert "Nobody from our team is online" in notice[0]["text"]

    bad = await visitor.call("leave_message", {"client_id": "lm1", "email": "not an email", "text": "call me"})
    assert not bad["ok"] and bad["error"]["fields"] == ["email"]
    ack = await visitor.call("leave_message", {"client_id": "lm1", "email": "kim@example.com", "text": "Please call me back about my order."})
    assert ack["ok"] and ack["message"]["payload"] == {"type": "offline_message", "email": "kim@example.com"}
    again = await visitor.call("leave_message", {"client_id": "lm1", "email": "kim@example.com", "text": "Please call me back about my order."})
    assert again["message"]["seq"] == ack["message"]["seq"]

    # An agent who comes online later finds it among offline conversations, not auto-assigned.
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    status, body = await ann.rest("GET", "/api/agent/conversations?view=offline")
    assert status == 200
    [offline] = body["conversations"]
    assert offline["id"] == conv and offline["contact_email"] == "kim@example.com" and offline["offline"] is True
    await asyncio.sleep(0.5)
    assert not [n for n in ann.of("notification") if n["kind"] == "assigned"]
    await ann.ok("claim", {"conversation_id": conv})
    await ann.say(conv, "Hi Kim, calling you now.")


async def test_an_agent_who_drops_out_has_chats_requeued_after_the_grace_period(pg_backend, make_node):
    node = await make_node(pg_backend, agent_grace_s=1.0, router_sweep_s=0.3)
    await add_agent(pg_backend.database_url, "ann@shop.test")
    await add_agent(pg_backend.database_url, "bob@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitor, conv = await queued_visitor(node)
    assert await ann.wait_for_assignment() == conv
    bob = await AgentClient.login(node.base_url, "bob@shop.test", online=False)
    await bob.presence("away")  # away agents get no new chats
    await ann.disconnect()
    left = await visitor.wait_for(
        lambda: [m for m in visitor.received if (m["payload"] or {}).get("type") == "agent_left"], timeout=10, what="agent left")
    assert left[0]["text"].startswith("Ann had to leave")
    await asyncio.sleep(0.5)
    assert not [n for n in bob.of("notification") if n["kind"] == "assigned"]
    await bob.presence("online")  # coming online takes the waiting chat
    assert await bob.wait_for_assignment() == conv


async def test_status_changes_sent_in_a_burst_end_in_the_last_one(backend, make_node):
    # A console sends "online" when it connects and the agent picks "away" a moment later: the server
    # must apply them in that order, or the away agent stays online and is given chats.
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test", online=False)
    acks = await asyncio.gather(*(ann.call("presence", {"status": status}) for status in ["online", "away"] * 25))
    assert [a["status"] for a in acks] == ["online", "away"] * 25
    visitor, conv = await queued_visitor(node)
    await asyncio.sleep(0.5)
    assert not [n for n in ann.of("notification") if n["kind"] == "assigned"]
    status, body = await ann.rest("GET", f"/api/agent/conversations/{conv}")
    assert status == 200 and body["conversation"]["state"] == "queued"


async def test_an_agent_reconnecting_within_the_grace_period_keeps_the_chat(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, agent_grace_s=3.0, router_sweep_s=0.3)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitor, conv = await queued_visitor(node)
    assert await ann.wait_for_assignment() == conv
    await ann.disconnect()
    await asyncio.sleep(1.0)
    await ann.connect()
    await ann.presence("online")
    await asyncio.sleep(3.0)
    assert not [m for m in visitor.received if (m["payload"] or {}).get("type") == "agent_left"]
    await ann.say(conv, "still here")


async def test_roles_limit_what_agents_can_do(backend, make_node):
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test")
    await add_agent(backend.database_url, "bob@shop.test")
    await add_agent(backend.database_url, "sue@shop.test", role="supervisor")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitor, conv = await queued_visitor(node)
    assert await ann.wait_for_assignment() == conv
    bob = await AgentClient.login(node.base_url, "bob@shop.test")
    sue = await AgentClient.login(node.base_url, "sue@shop.test", online=False)

    # Bob may neither read nor act on Ann's chat.
    for event, data in [("watch", {}), ("message", {"client_id": "x1", "text": "hi"}), ("close", {"resolution": "spam"}),
                        ("handback", {}), ("transfer", {"agent_id": bob.id}), ("claim", {})]:
        ack = await bob.call(event, {"conversation_id": conv, **data})
        assert not ack["ok"] and ack["error"]["code"] == "forbidden", (event, ack)
    status, _ = await bob.rest("GET", f"/api/agent/conversations/{conv}")
    assert status == 403
    assert (await bob.rest("GET", "/api/agent/conversations?view=all"))[0] == 403
    assert (await bob.rest("GET", "/api/agent/dashboard"))[0] == 403
    assert (await bob.rest("POST", "/api/agent/canned", json={"shortcut": "hi", "title": "Hi", "text": "Hello!"}))[0] == 403

    # The supervisor sees everything and reassigns Ann's chat to Bob.
    status, body = await sue.rest("GET", "/api/agent/conversations?view=all")
    assert status == 200 and conv in [c["id"] for c in body["conversations"]]
    moved = await sue.ok("transfer", {"conversation_id": conv, "agent_id": bob.id})
    assert moved["conversation"]["assignee"]["id"] == bob.id
    assert await bob.wait_for_assignment() == conv
    await bob.say(conv, "Bob here, I'll take it from now.")
    ack = await ann.call("message", {"conversation_id": conv, "client_id": "late", "text": "me again"})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    await visitor.wait_for(lambda: any(m["text"] == "Bob here, I'll take it from now." for m in visitor.received), what="Bob's reply")


async def test_canned_responses(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "sue@shop.test", role="supervisor")
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    sue = await AgentClient.login(node.base_url, "sue@shop.test", online=False)
    ann = await AgentClient.login(node.base_url, "ann@shop.test", online=False)
    status, created = await sue.rest("POST", "/api/agent/canned", json={"shortcut": "ship", "title": "Shipping", "text": "We ship in 1-2 days."})
    assert status == 201
    assert (await sue.rest("POST", "/api/agent/canned", json={"shortcut": "ship", "title": "Again", "text": "x"}))[1]["error"]["code"] == "duplicate_shortcut"
    assert (await sue.rest("POST", "/api/agent/canned", json={"shortcut": "Bad Shortcut!", "title": "x", "text": "x"}))[0] == 400
    status, body = await ann.rest("GET", "/api/agent/canned")
    assert status == 200 and body["canned"] == [{"id": created["id"], "shortcut": "ship", "title": "Shipping", "text": "We ship in 1-2 days."}]
    assert (await ann.rest("DELETE", f"/api/agent/canned/{created['id']}"))[0] == 403
    assert (await sue.rest("DELETE", f"/api/agent/canned/{created['id']}"))[0] == 204


@pytest.mark.parametrize("view", ["bot", "waiting", "mine", "offline"])
async def test_lists_refuse_anonymous_and_forged_tokens(sqlite_backend, make_node, view):
    node = await make_node(sqlite_backend)
    async with __import__("aiohttp").ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer forged.token.here"}, {"Authorization": "Basic abc"}):
            async with http.get(f"{node.base_url}/api/agent/conversations?view={view}", headers=headers) as response:
                assert response.status == 401
                assert (await response.json())["error"]["code"] == "unauthorized"


async def test_the_dashboard_reports_live_figures(pg_backend, make_node):
    node = await make_node(pg_backend)
    await add_agent(pg_backend.database_url, "ann@shop.test", max_chats=1)
    await add_agent(pg_backend.database_url, "sue@shop.test", role="supervisor")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    sue = await AgentClient.login(node.base_url, "sue@shop.test", online=False)
    _first, handled = await queued_visitor(node)
    assert await ann.wait_for_assignment() == handled
    _second, waiting = await queued_visitor(node)
    _third, spam = await queued_visitor(node)
    await asyncio.sleep(0.3)
    await ann.say(handled, "Hello, how can I help?")
    await ann.ok("close", {"conversation_id": handled, "resolution": "resolved"})
    assert await ann.wait_for_assignment() == waiting
    await sue.ok("close", {"conversation_id": spam, "resolution": "spam"})  # nobody ever talked to it

    status, figures = await sue.rest("GET", "/api/agent/dashboard")
    assert status == 200
    assert figures["by_state"] == {"bot": 0, "queued": 0, "assigned": 1, "closed": 2}
    assert figures["queue_length"] == 0 and figures["longest_wait_s"] is None
    assert figures["containment_rate"] == 0.5
    assert figures["closed_by_resolution"] == {"resolved": 1, "spam": 1}
    assert figures["first_response_s"]["p50"] > 0 and figures["agents"] == {"online": 1, "away": 0}


async def test_a_message_reaches_watchers_as_itself_and_everyone_else_who_lists_it_as_a_summary(pg_backend, make_node):
    node = await make_node(pg_backend)
    await add_agent(pg_backend.database_url, "ann@shop.test", name="Ann")
    await add_agent(pg_backend.database_url, "sue@shop.test", name="Sue", role="supervisor")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    visitor, conv = await queued_visitor(node)
    assert await ann.wait_for_assignment() == conv
    await ann.ok("watch", {"conversation_id": conv})
    sue = await AgentClient.login(node.base_url, "sue@shop.test", online=False)

    sent = await visitor.say("the parcel says delivered but it is not here")
    seq = sent["seq"]
    # Sue lists every conversation and does not have this one open: its summary tells her what changed.
    listed = await sue.wait_for(lambda: [c for c in sue.of("conversation") if c["id"] == conv and c["last_seq"] == seq],
                                what="the summary with the new message")
    assert listed[-1]["last_message"] == {"seq": seq, "sender": "visitor", "text": "the parcel says delivered but it is not here"}
    assert listed[-1]["updated_at"] is not None
    # Ann has it open: she gets the message itself, which is all her list needs, and no summary beside it.
    await ann.wait_for(lambda: [m for m in ann.of("message") if m["conversation_id"] == conv and m["seq"] == seq], what="the message")
    await ann.presence("online")  # one round trip more: anything sent before it has arrived
    assert not [c for c in ann.of("conversation") if c["id"] == conv and c.get("last_seq") == seq]
