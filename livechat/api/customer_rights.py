"""GET /api/agent/customers/{id}/export (supervisor) and DELETE /api/agent/customers/{id} (admin)."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web

from bot.client import BotUnavailable
from livechat.api.agent_session import principal_of
from livechat.api.appkeys import RASA, SERVICES
from livechat.customer_rights import erase_subject, export_subject
from livechat.errors import InvalidInput
from livechat.permissions import check_role


def _subject(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["subject_id"])
    except ValueError:
        raise InvalidInput("Not a customer or visitor id.", fields=["subject_id"]) from None


async def export(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, supervisor=True)
    async with request.app[SERVICES].sessions() as session:
        document = await export_subject(session, _subject(request))
    return web.json_response(document, headers={"Content-Disposition": f'attachment; filename="customer-{_subject(request)}.json"'})


async def erase(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    check_role(principal, admin=True)
    async with request.app[SERVICES].transaction() as tx:
        conversation_ids = await erase_subject(tx, _subject(request))
    not_wiped = await wipe_trackers(request.app[RASA], conversation_ids)
    return web.json_response({"erased": True, "conversations": len(conversation_ids),
                              "rasa_trackers_not_wiped": [str(c) for c in not_wiped]})


WIPE_ATTEMPTS = 3


async def wipe_trackers(rasa, conversation_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Wipe each conversation's tracker in Rasa and check it stayed wiped (a request Rasa was still
    handling can save the old history back); returns those that could not be wiped, to retry."""
    failed = []
    for conversation_id in conversation_ids:
        for attempt in range(WIPE_ATTEMPTS):
            try:
                await rasa.replace_events(str(conversation_id), [])
                await asyncio.sleep(0.2 * (attempt + 1))
                if not await rasa.has_user_messages(str(conversation_id)):
                    break
            except BotUnavailable:
                pass
        else:
            failed.append(conversation_id)
    return failed


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/customers/{subject_id}/export", export)
    app.router.add_delete("/api/agent/customers/{subject_id}", erase)
