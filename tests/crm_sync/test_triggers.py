"""Erasing a customer through the chat server's API queues a CRM sync at once, and the worker deletes
the contact in the CRM."""

from __future__ import annotations

import dataclasses


from crm_sync.jobs import enqueue, job_id, pool
from tests.crm_sync.test_jobs import _burst
from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def test_erasure_through_the_api_deletes_the_crm_contact(crm_settings, standin, pg_backend, make_node):
    settings = crm_settings()
    node = await make_node(dataclasses.replace(pg_backend, redis_url=settings.redis_url), crm_hubspot_url=standin.url, crm_hubspot_token="test-token",
                           crm_queue=settings.crm_queue, crm_settle_s=0)
    await add_agent(pg_backend.database_url, "root@shop.test", role="admin")
    root = await AgentClient.login(node.base_url, "root@shop.test", online=False)
    kim = await Visitor.start(node.base_url)
    await kim.call("consent", {"purpose": "identification", "granted": True})
    customer_id = (await kim.call("identify", {"email": "kim@example.com", "name": "Kim Nowak"}))["customer_id"]
    ola = await Visitor.start(node.base_url)
    await ola.call("consent", {"purpose": "identification", "granted": True})
    ola_id = (await ola.call("identify", {"email": "ola@example.com"}))["customer_id"]

    redis = await pool(settings)
    try:
        # Neither consent nor identification queued anything: those wait for the schedule.
        assert await redis.zscore(settings.crm_queue, job_id("hubspot")) is None
        await enqueue(redis, settings, "hubspot")
        await _burst(settings)
        assert set(standin.objects["contacts"]) == {customer_id, ola_id}

        status, body = await root.rest("DELETE", f"/api/agent/customers/{customer_id}")
        assert status == 200 and body["erased"] is True
        assert await redis.zscore(settings.crm_queue, job_id("hubspot")) is not None  # queued by the erasure
        await _burst(settings)
        assert set(standin.objects["contacts"]) == {ola_id}
        assert standin.archived[("contacts", customer_id)] == 1

        # A withdrawal in the widget queues one too.
        await ola.call("consent", {"purpose": "identification", "granted": False})
        assert await redis.zscore(settings.crm_queue, job_id("hubspot")) is not None
        await _burst(settings)
        assert standin.objects["contacts"] == {}
    finally:
        await redis.aclose()
        await kim.disconnect()
        await ola.disconnect()
