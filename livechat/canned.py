"""Canned responses: saved answers agents insert with /shortcut."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.db.models import CannedResponse
from livechat.errors import Conflict, NotFound
from livechat.transaction import Tx


class CannedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcut: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)


def canned_to_wire(row: CannedResponse) -> dict[str, Any]:
    return {"id": row.id, "shortcut": row.shortcut, "title": row.title, "text": row.text}


async def list_canned(session: AsyncSession) -> list[CannedResponse]:
    return list(await session.scalars(select(CannedResponse).order_by(CannedResponse.shortcut)))


async def create_canned(tx: Tx, data: CannedIn) -> CannedResponse:
    if await tx.session.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == data.shortcut)) is not None:
        raise Conflict(f"The shortcut /{data.shortcut} is taken.", code="duplicate_shortcut")
    row = CannedResponse(shortcut=data.shortcut, title=data.title.strip(), text=data.text.strip())
    tx.session.add(row)
    await tx.session.flush()
    return row


async def delete_canned(tx: Tx, canned_id: int) -> None:
    result = await tx.session.execute(delete(CannedResponse).where(CannedResponse.id == canned_id))
    if result.rowcount == 0:
        raise NotFound("No such canned response.")
