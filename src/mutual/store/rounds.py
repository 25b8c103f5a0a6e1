"""Reading a round's entries back from the log, and the texts a round keeps off the log.

A round's state is its log entries folded by ``core.rounds``; ``round_entries`` says
where they are. What the log only commits to by hash stays here: a ballot's approvals
and salt until the ballot closes (then the closing entry publishes them), and the
reasons people gave for an objection or a cancellation (erasable, like memos). A row is
written before the entry that commits to it, so an acknowledged entry always has it; a
row whose entry was refused is never read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, String, Table, Text, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.entries import parse_entry
from mutual.core.round_entries import Kind, RoundEntry, parse_entry_payload
from mutual.store.tables import UTCDateTime, log_entries, metadata, round_entries

round_texts = Table(
    "round_texts",
    metadata,
    Column("entry_id", Uuid, primary_key=True),
    Column("round_id", Uuid, nullable=False, index=True),
    Column("author_id", Uuid, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


async def put_text(
    conn: AsyncConnection,
    entry_id: UUID,
    round_id: UUID,
    author_id: UUID,
    kind: str,
    content: dict[str, Any],
    *,
    now: datetime,
) -> None:
    """Keep the text an entry will commit to (replacing a previous try of the same id)."""
    await conn.execute(round_texts.delete().where(round_texts.c.entry_id == entry_id))
    await conn.execute(
        round_texts.insert().values(
            entry_id=entry_id,
            round_id=round_id,
            author_id=author_id,
            kind=kind,
            content=json.dumps(content, sort_keys=True),
            created_at=now,
        )
    )


async def texts(conn: AsyncConnection, entry_ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
    ids = set(entry_ids)
    if not ids:
        return {}
    rows = await conn.execute(
        select(round_texts.c.entry_id, round_texts.c.content).where(round_texts.c.entry_id.in_(ids))
    )
    return {row.entry_id: json.loads(row.content) for row in rows}


async def erase_texts_of(conn: AsyncConnection, author_id: UUID) -> None:
    """A member's erasure blanks the reasons they gave (the log keeps only their hash)."""
    await conn.execute(
        update(round_texts)
        .where(round_texts.c.author_id == author_id, round_texts.c.kind == "reason")
        .values(content=json.dumps({"reason": None}))
    )


async def entries_of(
    conn: AsyncConnection, origin: str, round_id: UUID, *, after: int = -1
) -> list[tuple[int, RoundEntry]]:
    """The round's entries after a log index, in log order, read from the leaves."""
    rows = await conn.execute(
        select(log_entries.c.log_index, log_entries.c.leaf_input)
        .join(round_entries, round_entries.c.log_index == log_entries.c.log_index)
        .where(round_entries.c.round_id == round_id, round_entries.c.log_index > after)
        .order_by(round_entries.c.log_index)
    )
    found = []
    for row in rows:
        _, payload, _ = parse_entry(json.loads(bytes(row.leaf_input)))
        found.append((int(row.log_index), parse_entry_payload(origin, payload)))
    return found


async def entry_index(conn: AsyncConnection, entry_id: UUID) -> int | None:
    return (
        await conn.execute(
            select(round_entries.c.log_index).where(round_entries.c.entry_id == entry_id)
        )
    ).scalar_one_or_none()


async def round_page(
    conn: AsyncConnection, *, before: int | None, limit: int
) -> list[tuple[int, UUID]]:
    """Rounds newest first, each with its draft's log index, older than ``before``."""
    query = (
        select(round_entries.c.log_index, round_entries.c.round_id)
        .where(round_entries.c.kind == Kind.DRAFT.value)
        .order_by(round_entries.c.log_index.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(round_entries.c.log_index < before)
    return [(int(r.log_index), r.round_id) for r in await conn.execute(query)]


async def round_ids(conn: AsyncConnection) -> list[UUID]:
    """Every round, newest draft first."""
    rows = await conn.execute(
        select(round_entries.c.round_id)
        .where(round_entries.c.kind == Kind.DRAFT.value)
        .order_by(round_entries.c.log_index.desc())
    )
    return list(rows.scalars())
