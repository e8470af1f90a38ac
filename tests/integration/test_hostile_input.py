"""Malformed and oversize input gets clear errors, and the server keeps serving."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.visitor import Visitor


@pytest.fixture
async def node(sqlite_backend, make_node):
    return await make_node(sqlite_backend)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (None, "invalid_payload"),
        ("just a string", "invalid_payload"),
        ([1, 2, 3], "invalid_payload"),
        ({"text": "no client id"}, "invalid_payload"),
        ({"client_id": "a", "text": 42}, "invalid_payload"),
        ({"client_id": "", "text": "hi"}, "invalid_payload"),
        ({"client_id": "a" * 65, "text": "hi"}, "invalid_payload"),
        ({"client_id": "bad id with spaces", "text": "hi"}, "invalid_payload"),
        ({"client_id": "a", "text": "   "}, "empty_text"),
        ({"client_id": "a", "text": "x" * 2001}, "text_too_long"),
        ({"client_id": "a", "text": "hi", "conversation_id": "not-a-uuid"}, "invalid_payload"),
    ],
)
async def test_bad_messages_get_clear_errors(node, payload, code):
    visitor = await Visitor.start(node.base_url)
    ack = await visitor.call("message", payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"] and "Traceback" not in ack["error"]["message"]
    # The connection and the server are fine afterwards.
    ok = await visitor.say("still here")
    assert ok["text"] == "still here"
    await visitor.disconnect()


async def test_unstorable_characters_are_replaced_or_refused_clearly(node):
    visitor = await Visitor.start(node.base_url)
    msg = await visitor.say("nul\x00 and RTL \u202e override and zero\u200bwidth")
    assert msg["text"] == "nul\ufffd and RTL \u202e override and zero\u200bwidth"
    # Lone surrogates (broken clients' JSON) cannot be stored either: replaced, like NUL, in every field.
    ack = await visitor.call("message", {"client_id": "s1", "text": "lone surrogate \ud800"})
    assert ack["ok"] is True and ack["message"]["text"] == "lone surrogate \ufffd"
    await visitor.disconnect()


async def test_bad_sync_and_typing_payloads(node):
    visitor = await Visitor.start(node.base_url)
    assert (await visitor.call("sync", {"after_seq": -1}))["error"]["code"] == "invalid_payload"
    assert (await visitor.call("sync", {"after_seq": "ten"}))["error"]["code"] == "invalid_payload"
    assert (await visitor.call("typing", {"typing": "yes"}))["error"]["code"] == "invalid_payload"
    assert (await visitor.call("typing", {"typing": True}))["ok"] is True
    assert (await visitor.call("sync", {"after_seq": 0}))["ok"] is True
    await visitor.disconnect()


async def test_rest_errors_are_json(node):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{node.base_url}/api/visitor/session", data="{not json") as r:
            assert r.status == 400
            assert (await r.json())["error"]["code"] == "invalid_payload"
        async with http.post(f"{node.base_url}/api/visitor/session", json={"language": "<script>"}) as r:
            assert r.status == 400
            assert (await r.json())["error"]["fields"] == ["language"]
        async with http.get(f"{node.base_url}/api/bot/orders/1002") as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "unauthorized"
        async with http.get(f"{node.base_url}/api/nope") as r:
            assert r.status == 404
            assert (await r.json())["error"]["code"] == "not_found"


async def test_an_invalid_old_token_gets_a_fresh_visitor(node):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{node.base_url}/api/visitor/session", json={"visitor_token": "garbage"}) as r:
            assert r.status == 200
            data = await r.json()
        async with http.post(f"{node.base_url}/api/visitor/session", json={"visitor_token": data["visitor_token"]}) as r:
            again = await r.json()
    assert again["visitor_id"] == data["visitor_id"]
