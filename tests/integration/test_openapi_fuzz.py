"""The REST API's OpenAPI document is served, and schemathesis fuzzes every endpoint against it, as an
admin (who may call everything), without a single server error."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from tests.support.agent import AgentClient, add_agent
from tests.support.visitor import Visitor


async def test_every_endpoint_survives_schemathesis(pg_backend, make_node, tmp_path):
    node = await make_node(pg_backend, login_max_attempts=1000, shopify_webhook_secret="fuzz-secret", woocommerce_webhook_secret="fuzz-secret")
    await add_agent(pg_backend.database_url, "root@shop.test", role="admin")
    root = await AgentClient.login(node.base_url, "root@shop.test", online=False)
    # Some data for the generated ids and names to find now and then.
    visitor = await Visitor.start(node.base_url)
    await visitor.say("hello")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base_url}/api/openapi.json") as response:
            assert response.status == 200
            document = await response.json()
    assert document["openapi"].startswith("3.1") and "/api/agent/profiles/{subject_id}" in document["paths"]

    schemathesis = Path(sys.executable).with_name("schemathesis")
    process = await asyncio.create_subprocess_exec(
        str(schemathesis), "run", f"{node.base_url}/api/openapi.json",
        "--checks", "not_a_server_error", "--header", f"Authorization: Bearer {root.token}",
        "--max-examples", "25", "--workers", "1", "--phases", "examples,coverage,fuzzing", "--request-timeout", "10",
        "--max-time", "60", "--suppress-health-check", "all", "--warnings", "off",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
    )
    output, _ = await process.communicate()
    report = output.decode(errors="replace")
    (Path(__file__).resolve().parents[2] / "test-artifacts").mkdir(exist_ok=True)
    (Path(__file__).resolve().parents[2] / "test-artifacts" / "schemathesis.txt").write_text(report)
    assert process.returncode == 0, report[-4000:]
    assert "No issues found" in report
