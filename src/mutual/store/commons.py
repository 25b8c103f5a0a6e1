"""Reads about the commons pot beyond its account: who may pay from it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import custodians, members


async def custodians_of(conn: AsyncConnection, principal_id: UUID) -> list[tuple[UUID, str | None]]:
    """The custodians the log appointed for ``principal_id`` and still holds, with the
    display name of those who are members, in the order they were appointed."""
    query = (
        select(custodians.c.custodian_id, members.c.display_name)
        .select_from(custodians.outerjoin(members, members.c.id == custodians.c.custodian_id))
        .where(custodians.c.principal_id == principal_id)
        .order_by(custodians.c.appointed_at, custodians.c.custodian_id)
    )
    return [(row.custodian_id, row.display_name) for row in await conn.execute(query)]
