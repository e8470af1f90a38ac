"""GET /health names each dependency; a missing Rasa is reported, not fatal."""

import aiohttp


async def test_health_reports_each_dependency(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)  # Rasa URL points at a closed port
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base_url}/health") as response:
            assert response.status == 200
            body = await response.json()
    assert body == {"status": "ok", "checks": {"database": "ok", "redis": "not configured", "rasa": "unavailable"}}
