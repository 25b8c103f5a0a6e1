"""Coordinators' operator keys waiting for an operator: the registration a coordinator's
page made and signed with the new key (its proof of possession), kept until an operator
registers it, when the log key countersigns it and the registry holds the key. Nothing
here is in the log; the registration itself is, once made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import CheckConstraint, Column, LargeBinary, String, Table, Uuid, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import UTCDateTime, metadata

operator_key_requests = Table(
    "operator_key_requests",
    metadata,
    # The registration event's id: the log entry an operator's registration writes.
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False, index=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("key_id", String(64), nullable=False, unique=True),
    # Base64 Ed25519 signature of the new key over the registration event.
    Column("signature", String(100), nullable=False),
    Column("asked_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("registered_by", Uuid, nullable=True),
    Column("registered_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('pending', 'registered')", name="status_known"),
)


@dataclass(frozen=True, slots=True)
class OperatorKeyRequest:
    id: UUID
    principal_id: UUID
    public_key: bytes
    key_id: str
    signature: str
    asked_at: datetime
    status: str
    registered_by: UUID | None
    registered_at: datetime | None


def _record(row: Any) -> OperatorKeyRequest:
    values = dict(row._mapping)
    values["public_key"] = bytes(values["public_key"])
    return OperatorKeyRequest(**values)


async def insert_once(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Keep the request unless one with its id or its key is there already."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(operator_key_requests).values(**values).on_conflict_do_nothing()
    )


async def get(conn: AsyncConnection, request_id: UUID) -> OperatorKeyRequest | None:
    row = (
        await conn.execute(
            select(operator_key_requests).where(operator_key_requests.c.id == request_id)
        )
    ).first()
    return None if row is None else _record(row)


async def by_key(conn: AsyncConnection, key_id: str) -> OperatorKeyRequest | None:
    row = (
        await conn.execute(
            select(operator_key_requests).where(operator_key_requests.c.key_id == key_id)
        )
    ).first()
    return None if row is None else _record(row)


async def listed(
    conn: AsyncConnection, *, principal_id: UUID | None, status: str | None
) -> list[OperatorKeyRequest]:
    query = select(operator_key_requests).order_by(
        operator_key_requests.c.asked_at, operator_key_requests.c.id
    )
    if principal_id is not None:
        query = query.where(operator_key_requests.c.principal_id == principal_id)
    if status is not None:
        query = query.where(operator_key_requests.c.status == status)
    return [_record(r) for r in await conn.execute(query)]


async def mark_registered(
    conn: AsyncConnection, request_id: UUID, *, by: UUID, at: datetime
) -> None:
    await conn.execute(
        update(operator_key_requests)
        .where(
            operator_key_requests.c.id == request_id, operator_key_requests.c.status == "pending"
        )
        .values(status="registered", registered_by=by, registered_at=at)
    )
