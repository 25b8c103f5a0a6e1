"""Associations as the service keeps them beside the log: name, neighbourhood, account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import associations


@dataclass(frozen=True, slots=True)
class AssociationRecord:
    id: UUID
    name: str
    neighbourhood: str
    time_account: UUID
    created_at: datetime


def _record(row: object) -> AssociationRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return AssociationRecord(
        m["id"], m["name"], m["neighbourhood"], m["time_account"], m["created_at"]
    )


async def get_association(conn: AsyncConnection, association_id: UUID) -> AssociationRecord | None:
    row = (
        await conn.execute(select(associations).where(associations.c.id == association_id))
    ).first()
    return None if row is None else _record(row)


async def list_associations(conn: AsyncConnection) -> list[AssociationRecord]:
    query = select(associations).order_by(associations.c.name, associations.c.id)
    return [_record(row) for row in await conn.execute(query)]


async def names_of(conn: AsyncConnection, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    query = select(associations.c.id, associations.c.name).where(associations.c.id.in_(ids))
    return {row.id: row.name for row in await conn.execute(query)}


async def insert_association(conn: AsyncConnection, record: AssociationRecord) -> None:
    await conn.execute(
        associations.insert().values(
            id=record.id,
            name=record.name,
            neighbourhood=record.neighbourhood,
            time_account=record.time_account,
            created_at=record.created_at,
        )
    )
