"""The log's entries in order, read as a stream of events."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from mutual.store.database import Database
from mutual.store.tables import ledger_head, log_entries, projects


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    log_index: int
    entry_type: str
    entity_id: UUID
    leaf_input: bytes
    recorded_at: datetime


async def entries_after(
    db: Database, *, after: int, limit: int, entry_types: Set[str] | None
) -> tuple[list[LoggedEntry], int]:
    """Up to ``limit`` entries past index ``after`` (of ``entry_types`` only, when
    given), in log order, and the log's size when they were read.

    The size is read first and bounds the entries: the writer commits indexes in order,
    so every index below a size already seen is committed, and a reader that saw no
    entry up to it may move its cursor to the end without having skipped one.
    """
    async with db.reading() as conn:
        size = int(
            (
                await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
            ).scalar_one()
        )
        query = (
            select(
                log_entries.c.log_index,
                log_entries.c.entry_type,
                log_entries.c.entity_id,
                log_entries.c.leaf_input,
                log_entries.c.recorded_at,
            )
            .where(log_entries.c.log_index > after, log_entries.c.log_index < size)
            .order_by(log_entries.c.log_index)
            .limit(limit)
        )
        if entry_types is not None:
            query = query.where(log_entries.c.entry_type.in_(sorted(entry_types)))
        rows = (await conn.execute(query)).all()
    return [
        LoggedEntry(r.log_index, r.entry_type, r.entity_id, bytes(r.leaf_input), r.recorded_at)
        for r in rows
    ], size


async def projects_among(db: Database, ids: Set[UUID]) -> set[UUID]:
    """Which of ``ids`` are projects' (a domain event tells a project's change of lead
    from another principal's custodian)."""
    if not ids:
        return set()
    async with db.reading() as conn:
        found = await conn.scalars(select(projects.c.id).where(projects.c.id.in_(sorted(ids))))
        return set(found)
