"""Writing a batch's side rows: what flows keep beside their ledger entries (a loan, a
grant's decision), written by the journal's writer in the batch's transaction, one
statement per table for the whole batch rather than one or two per flow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_new(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Insert the rows whose ``id`` the table does not hold yet (a replay's is there, and
    a replay in the same batch is a second row with the same id: the first is kept);
    returns those inserted. Race-free under the writer's lock, the only one writing them."""
    fresh: dict[Any, Mapping[str, Any]] = {}
    for row in rows:
        fresh.setdefault(row["id"], row)
    if not fresh:
        return []
    present = set(await conn.scalars(select(table.c.id).where(table.c.id.in_(fresh))))
    new = [row for key, row in fresh.items() if key not in present]
    if new:
        await conn.execute(table.insert(), new)
    return new
