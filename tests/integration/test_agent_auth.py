"""Agent accounts and sessions: argon2 passwords, short-lived tokens with refresh and logout, login rate
limits, refusals for anonymous, forged and expired credentials, and the create-agent command."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import socketio
from sqlalchemy import select

from livechat.agent_auth import issue_access_token
from livechat.cli import main as livechat_cli
from livechat.db.engine import create_engine, create_session_factory
from livechat.db.models import Agent, AgentRole
from tests.support.agent import PASSWORD, AgentClient, add_agent, login


async def _post(base_url: str, path: str, *, json=None, headers=None) -> tuple[int, dict | None]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}{path}", json=json, headers=headers or {}) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body


async def _socket_refusal(base_url: str, auth) -> dict:
    """The connect_error data the server refused the /agent socket with."""
    client = socketio.AsyncClient(reconnection=False)
    refusals: list = []
    client.on("connect_error", refusals.append, namespace="/agent")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(base_url, namespaces=["/agent"], auth=auth, transports=["websocket"], wait_timeout=5)
    await client.disconnect()
    assert refusals, "the server accepted the connection"
    return refusals[0]["data"]


async def test_passwords_are_stored_as_argon2_hashes(sqlite_backend, make_node):
    await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    engine = create_engine(sqlite_backend.database_url)
    async with create_session_factory(engine)() as session:
        stored = await session.scalar(select(Agent.password_hash).where(Agent.email == "ann@shop.test"))
    await engine.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_login_refresh_and_logout(backend, make_node):
    node = await make_node(backend)
    await add_agent(backend.database_url, "ann@shop.test", name="Ann", languages=["en", "pl"])
    status, body = await login(node.base_url, "Ann@Shop.test ", PASSWORD)
    assert status == 200 and body["agent"]["name"] == "Ann" and body["agent"]["languages"] == ["en", "pl"]
    assert body["expires_in"] == 900
    for email, password in (("ann@shop.test", "wrong password"), ("nobody@shop.test", PASSWORD)):
        status, wrong = await login(node.base_url, email, password)
        assert status == 401 and wrong["error"]["code"] == "invalid_credentials"

    ann = AgentClient(node.base_url, body)
    assert (await ann.rest("GET", "/api/agent/me"))[1]["email"] == "ann@shop.test"

    # Refresh rotates the refresh token; the new access token works.
    status, renewed = await _post(node.base_url, "/api/agent/refresh", json={"refresh_token": body["refresh_token"]})
    assert status == 200 and renewed["refresh_token"] != body["refresh_token"]
    assert (await ann.rest("GET", "/api/agent/me", token=renewed["access_token"]))[0] == 200
    # Replaying the old refresh token means it leaked: the whole session is revoked.
    status, replay = await _post(node.base_url, "/api/agent/refresh", json={"refresh_token": body["refresh_token"]})
    assert status == 401
    assert (await ann.rest("GET", "/api/agent/me", token=renewed["access_token"]))[0] == 401
    assert (await _post(node.base_url, "/api/agent/refresh", json={"refresh_token": renewed["refresh_token"]}))[0] == 401

    # A fresh login, connected on the socket; logout ends REST and socket access.
    agent = await AgentClient.login(node.base_url, "ann@shop.test")
    status, _ = await _post(node.base_url, "/api/agent/logout", headers={"Authorization": f"Bearer {agent.token}"})
    assert status == 204
    assert (await agent.rest("GET", "/api/agent/me"))[0] == 401
    await agent.wait_for(lambda: agent.of("logged_out") or not agent.client.connected, what="logged out")
    if agent.client.connected:
        ack = await agent.call("presence", {"status": "online"})
        assert not ack["ok"] and ack["error"]["code"] == "unauthorized"
    assert (await _post(node.base_url, "/api/agent/refresh", json={"refresh_token": agent.tokens["refresh_token"]}))[0] == 401


async def test_the_browser_refreshes_with_an_httponly_cookie(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    jar = aiohttp.CookieJar(unsafe=True)  # the test server is on an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.post(f"{node.base_url}/api/agent/login", json={"email": "ann@shop.test", "password": PASSWORD}) as response:
            cookie = response.cookies["livechat_refresh"]
            assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/api/agent"
        async with http.post(f"{node.base_url}/api/agent/refresh") as response:
            assert response.status == 200 and (await response.json())["agent"]["email"] == "ann@shop.test"


async def test_anonymous_forged_and_expired_credentials_are_refused(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    agent_id = await add_agent(sqlite_backend.database_url, "ann@shop.test")
    status, tokens = await login(node.base_url, "ann@shop.test")
    session_id = uuid.UUID(__import__("jwt").decode(tokens["access_token"], options={"verify_signature": False})["sid"])
    agent = Agent(id=uuid.UUID(agent_id), role=AgentRole.AGENT)
    key = node.settings.signing_key
    expired, _ = issue_access_token(agent, session_id, key=key, ttl_s=60, now=datetime.now(UTC) - timedelta(hours=1))
    forged, _ = issue_access_token(agent, session_id, key="someone-elses-key-of-32-bytes-or-more", ttl_s=600)
    admin_claim, _ = issue_access_token(Agent(id=agent.id, role=AgentRole.ADMIN), session_id, key="someone-elses-key-of-32-bytes-or-more", ttl_s=600)
    client = AgentClient(node.base_url, tokens)
    for token, code in ((expired, "token_expired"), (forged, "unauthorized"), (admin_claim, "unauthorized"), ("", "unauthorized")):
        status, body = await client.rest("GET", "/api/agent/conversations?view=waiting", token=token or " ")
        assert status == 401 and body["error"]["code"] == code, (token, body)
        assert (await _socket_refusal(node.base_url, {"token": token}))["code"] == code
    assert (await _socket_refusal(node.base_url, None))["code"] == "unauthorized"
    # A visitor token is not an agent token.
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{node.base_url}/api/visitor/session", json={}) as response:
            visitor_token = (await response.json())["visitor_token"]
    assert (await _socket_refusal(node.base_url, {"token": visitor_token}))["code"] == "unauthorized"


async def test_a_socket_whose_token_expired_must_reauthenticate(sqlite_backend, make_node):
    node = await make_node(sqlite_backend, agent_access_ttl_s=2)
    await add_agent(sqlite_backend.database_url, "ann@shop.test")
    ann = await AgentClient.login(node.base_url, "ann@shop.test")
    await __import__("asyncio").sleep(2.5)
    ack = await ann.call("presence", {"status": "online"})
    assert not ack["ok"] and ack["error"]["code"] == "token_expired"
    status, renewed = await _post(node.base_url, "/api/agent/refresh", json={"refresh_token": ann.tokens["refresh_token"]})
    assert status == 200
    assert (await ann.call("reauth", {"token": renewed["access_token"]}))["ok"]
    assert (await ann.call("presence", {"status": "online"}))["ok"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres+redis"], indirect=True)
async def test_login_is_rate_limited(backend, make_node):
    node = await make_node(backend, login_max_attempts=3, login_window_s=60)
    await add_agent(backend.database_url, "ann@shop.test")
    statuses = [(await login(node.base_url, "ann@shop.test", "guess-%d" % i))[0] for i in range(3)]
    assert statuses == [401, 401, 401]
    status, body = await login(node.base_url, "ann@shop.test", PASSWORD)
    assert status == 429 and body["error"]["code"] == "rate_limited" and 0 < body["error"]["retry_after_s"] <= 60
    # Another account from the same address is still allowed (the per-IP budget is larger).
    await add_agent(backend.database_url, "bob@shop.test")
    assert (await login(node.base_url, "bob@shop.test"))[0] == 200


async def test_only_admins_create_agents(sqlite_backend, make_node):
    node = await make_node(sqlite_backend)
    await add_agent(sqlite_backend.database_url, "sue@shop.test", role="supervisor")
    await add_agent(sqlite_backend.database_url, "root@shop.test", role="admin")
    sue = await AgentClient.login(node.base_url, "sue@shop.test", online=False)
    root = await AgentClient.login(node.base_url, "root@shop.test", online=False)
    new = {"email": "new@shop.test", "name": "New", "password": "long enough pw", "role": "agent", "teams": ["support"], "max_chats": 3}
    assert (await sue.rest("POST", "/api/agent/agents", json=new))[0] == 403
    status, created = await root.rest("POST", "/api/agent/agents", json=new)
    assert status == 201 and created["teams"] == ["support"] and "password" not in created and "password_hash" not in created
    assert (await root.rest("POST", "/api/agent/agents", json=new))[1]["error"]["code"] == "duplicate_email"
    status, bad = await root.rest("POST", "/api/agent/agents", json={**new, "email": "x@shop.test", "password": "short"})
    assert status == 400 and bad["error"]["fields"] == ["password"]
    assert (await login(node.base_url, "new@shop.test", "long enough pw"))[0] == 200
    status, listed = await sue.rest("GET", "/api/agent/agents")
    assert status == 200 and {a["email"] for a in listed["agents"]} == {"sue@shop.test", "root@shop.test", "new@shop.test"}


async def test_create_agent_command(sqlite_backend, make_node, monkeypatch, capsys):
    node = await make_node(sqlite_backend)
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", sqlite_backend.database_url)
    monkeypatch.setenv("LIVECHAT_NEW_AGENT_PASSWORD", "from the environment")
    await __import__("asyncio").to_thread(
        livechat_cli, ["create-agent", "--email", "cli@shop.test", "--name", "Cli", "--role", "supervisor", "--teams", "support,sales",
                       "--languages", "en,pl"])
    assert "created supervisor cli@shop.test" in capsys.readouterr().out
    status, body = await login(node.base_url, "cli@shop.test", "from the environment")
    assert status == 200 and body["agent"]["role"] == "supervisor" and body["agent"]["teams"] == ["sales", "support"]
    with pytest.raises(SystemExit) as err:
        await __import__("asyncio").to_thread(livechat_cli, ["create-agent", "--email", "cli@shop.test", "--name", "Again"])
    assert "exists" in str(err.value)
