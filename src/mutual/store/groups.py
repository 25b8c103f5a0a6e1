"""Reading the coordination groups' entries back from the log (``group_entries`` says
where they are) and folding them into the groups as they stand (``core.groups``)."""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.entries import parse_entry
from mutual.core.groups import GroupEntry, Groups, apply_group_entry, parse_group_payload
from mutual.store.tables import group_entries, log_entries


async def entries(conn: AsyncConnection, origin: str) -> list[tuple[int, GroupEntry]]:
    """Every group entry, in log order, read from the leaves."""
    rows = await conn.execute(
        select(log_entries.c.log_index, log_entries.c.leaf_input)
        .join(group_entries, group_entries.c.log_index == log_entries.c.log_index)
        .order_by(group_entries.c.log_index)
    )
    found = []
    for row in rows:
        _, payload, _ = parse_entry(json.loads(bytes(row.leaf_input)))
        found.append((int(row.log_index), parse_group_payload(origin, payload)))
    return found


async def load_groups(conn: AsyncConnection, origin: str) -> Groups:
    """The groups as their entries leave them. A territory has tens of groups and their
    entries change slowly: they are folded whole, as the verifier does."""
    groups = Groups()
    for index, entry in await entries(conn, origin):
        apply_group_entry(groups, entry, log_index=index)
    return groups


async def entry_index(conn: AsyncConnection, entry_id: UUID) -> int | None:
    return (
        await conn.execute(
            select(group_entries.c.log_index).where(group_entries.c.entry_id == entry_id)
        )
    ).scalar_one_or_none()
