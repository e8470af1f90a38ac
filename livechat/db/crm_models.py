"""CRM sync bookkeeping: per-connector cursors and which customers a CRM holds. No personal data here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from livechat.db.models import Base, Order, Profile
from livechat.db.types import JSONDoc, UTCDateTime, utcnow


class CrmCursor(Base):
    """How far a connector's stream got: the last (time, id) the outside system acknowledged.

    Advanced in the same database transaction as the batch it covers was acknowledged, so a worker
    killed at any point resumes at the first record the outside system may not have.
    """

    __tablename__ = "crm_cursors"

    connector: Mapped[str] = mapped_column(String(32), primary_key=True)
    stream: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    records: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CrmContact(Base):
    """A customer the connector's CRM holds as a contact, with the CRM's own id (for notes and deals)."""

    __tablename__ = "crm_contacts"

    connector: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    remote_id: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Keyset pagination of the streams: (updated_at, id) in order, without sorting the table.
Index("ix_profiles_kind_updated", Profile.subject_kind, Profile.updated_at, Profile.subject_id)
Index("ix_orders_updated", Order.updated_at, Order.id)
