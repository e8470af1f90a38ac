"""Small SQL helpers that keep hot statements cheap on PostgreSQL and portable to SQLite."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession


def any_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one bound array, so the statement's
    text, and the prepared statement asyncpg keeps for it, are the same whatever the number of values,
    and nothing is rendered per value."""
    if session.bind.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))
