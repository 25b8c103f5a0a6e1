"""The audit trail of administrative actions: who, when, what (the operation and the
path it named) and from where (the client's address and the request id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, Index, Integer, String, Table, Uuid, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import UTCDateTime, metadata

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Uuid, nullable=False),
    Column("operation", String(64), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(400), nullable=False),
    Column("status", Integer, nullable=False),
    Column("source_ip", String(64), nullable=True),
    Column("request_id", String(64), nullable=False),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_actor_id", "actor_id"),
)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: UUID
    at: datetime
    actor_id: UUID
    operation: str
    method: str
    path: str
    status: int
    source_ip: str | None
    request_id: str


async def insert_event(conn: AsyncConnection, event: AuditEvent) -> None:
    await conn.execute(
        audit_events.insert().values(
            id=event.id,
            at=event.at,
            actor_id=event.actor_id,
            operation=event.operation,
            method=event.method,
            path=event.path[:400],
            status=event.status,
            source_ip=event.source_ip,
            request_id=event.request_id,
        )
    )


async def list_events(
    conn: AsyncConnection, *, after: UUID | None, limit: int, actor_id: UUID | None
) -> list[AuditEvent]:
    """Oldest first (ids are UUIDv7, so they sort by time), after a cursor."""
    query = select(audit_events).order_by(audit_events.c.id).limit(limit)
    if after is not None:
        query = query.where(audit_events.c.id > after)
    if actor_id is not None:
        query = query.where(audit_events.c.actor_id == actor_id)
    return [AuditEvent(**row._mapping) for row in await conn.execute(query)]
