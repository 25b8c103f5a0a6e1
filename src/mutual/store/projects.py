"""Projects as people name them; their accounts and lead are in the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import projects


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: UUID
    name: str
    category: str
    group_kind: str
    group_name: str
    lead_id: UUID
    eur_account: UUID
    pledge_account: UUID
    time_account: UUID | None
    created_at: datetime
    updated_at: datetime
    # The sheet (usecases.project_sheets).
    description: str | None
    neighbourhood: str | None
    group_id: UUID | None
    status: str
    starts_on: date | None
    ends_on: date | None
    needs_eur: int | None
    needs_minutes: int | None
    needs_goods: str | None


def _record(row: Row[Any]) -> ProjectRecord:
    return ProjectRecord(**row._mapping)


async def get_project(conn: AsyncConnection, project_id: UUID) -> ProjectRecord | None:
    row = (await conn.execute(select(projects).where(projects.c.id == project_id))).first()
    return None if row is None else _record(row)


async def insert_project(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(projects.insert().values(**values))


async def set_lead(conn: AsyncConnection, project_id: UUID, lead_id: UUID) -> None:
    await conn.execute(update(projects).where(projects.c.id == project_id).values(lead_id=lead_id))


async def update_sheet(conn: AsyncConnection, project_id: UUID, values: Mapping[str, Any]) -> None:
    await conn.execute(update(projects).where(projects.c.id == project_id).values(**values))


async def list_projects(
    conn: AsyncConnection,
    *,
    lead_id: UUID | None,
    after: UUID | None,
    limit: int,
    updated_since: datetime | None = None,
    group_id: UUID | None = None,
) -> list[ProjectRecord]:
    query = select(projects).order_by(projects.c.id).limit(limit)
    if group_id is not None:
        query = query.where(projects.c.group_id == group_id)
    if updated_since is not None:
        query = query.where(projects.c.updated_at >= updated_since)
    if lead_id is not None:
        query = query.where(projects.c.lead_id == lead_id)
    if after is not None:
        query = query.where(projects.c.id > after)
    return [_record(row) for row in await conn.execute(query)]
