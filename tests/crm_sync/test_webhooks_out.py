"""Outgoing webhooks: signed with HMAC-SHA256 over timestamp and body, stable delivery ids across retries,
and a receiver using `verify` refuses tampered, unsigned and replayed-late deliveries."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest
from aiohttp import web

from crm_sync.destination import TransientError
from crm_sync.jobs import run_connector
from crm_sync.webhooks_out import DELIVERY_HEADER, SIGNATURE_HEADER, signature, verify
from livechat.db.engine import create_engine, create_session_factory
from tests.fixtures import free_port
from tests.support.crm_data import make_customers

SECRET = "whsec_test_0123456789"


def test_verify_accepts_only_fresh_untampered_signatures():
    body = b'{"id": "1"}'
    now = int(time.time())
    header = signature(SECRET, now, body)
    assert verify(SECRET, header, body)
    assert not verify(SECRET, header, body + b" ")
    assert not verify("other-secret", header, body)
    assert not verify(SECRET, signature(SECRET, now - 3600, body), body)  # captured an hour ago: refused
    assert not verify(SECRET, None, body) and not verify(SECRET, "garbage", body) and not verify(SECRET, "t=x,v1=y", body)


class Receiver:
    """A CRM-side receiver as we document it: verify, then drop deliveries it has seen."""

    def __init__(self) -> None:
        self.accepted: dict[str, dict] = {}
        self.refused = 0
        self.fail_next = 0

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not verify(SECRET, request.headers.get(SIGNATURE_HEADER), raw):
            self.refused += 1
            return web.json_response({"error": "bad signature"}, status=401)
        if self.fail_next:
            self.fail_next -= 1
            return web.json_response({"error": "down"}, status=503)
        body = json.loads(raw)
        assert body["id"] == request.headers[DELIVERY_HEADER]
        self.accepted.setdefault(body["id"], body)
        return web.json_response({"ok": True})


@pytest.fixture
async def receiver():
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


async def test_profiles_go_out_as_signed_webhooks(crm_settings, receiver, pg_backend):
    settings = crm_settings(crm_hubspot_token=None, crm_webhook_url=receiver.url, crm_webhook_secret=SECRET, crm_batch_size=5)
    customers = await make_customers(pg_backend.database_url, 12)
    engine = create_engine(pg_backend.database_url)
    try:
        async with aiohttp.ClientSession() as http:
            ctx = {"settings": settings, "sessions": create_session_factory(engine), "http": http}
            receiver.fail_next = 1
            with pytest.raises(TransientError):
                await run_connector(ctx, "webhook")
            await run_connector(ctx, "webhook")
    finally:
        await engine.dispose()
    deliveries = list(receiver.accepted.values())
    assert {d["type"] for d in deliveries} == {"contacts.upserted"} and len(deliveries) == 3
    ids = [r["id"] for d in deliveries for r in d["records"]]
    assert sorted(ids) == sorted(str(c) for c in customers.values())  # each once, none missing
    assert {r["properties"]["email"] for d in deliveries for r in d["records"]} == set(customers)
    assert receiver.refused == 0

    # Someone replays a captured delivery with a new body: the signature no longer matches.
    raw = json.dumps({**deliveries[0], "records": []}).encode()
    async with aiohttp.ClientSession() as http:
        async with http.post(receiver.url, data=raw, headers={SIGNATURE_HEADER: signature(SECRET, int(time.time()) - 1000, raw)}) as response:
            assert response.status == 401
    assert receiver.refused == 1
