"""The Merkle log as stored: leaves, perfect-subtree nodes, checkpoints and cosignatures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.merkle import NodeKey, inclusion_ranges, proof_node_keys
from mutual.store.database import Database
from mutual.store.journal_io import load_nodes
from mutual.store.tables import checkpoints, cosignatures, ledger_head, log_entries


@dataclass(frozen=True, slots=True)
class StoredEntry:
    log_index: int
    entry_type: str
    entity_id: UUID
    leaf_input: bytes
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    cosignature_lines: tuple[str, ...]

    def note_with_cosignatures(self) -> str:
        return self.note + "".join(self.cosignature_lines)


async def read_tree_size(db: Database) -> int:
    async with db.reading() as conn:
        return int(
            (
                await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
            ).scalar_one()
        )


async def read_nodes(db: Database, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    async with db.reading() as conn:
        return await load_nodes(conn, keys)


def _entry(row: object) -> StoredEntry:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredEntry(
        m["log_index"],
        m["entry_type"],
        m["entity_id"],
        bytes(m["leaf_input"]),
        bytes(m["leaf_hash"]),
    )


async def entry_by_entity(db: Database, entity_id: UUID) -> StoredEntry | None:
    async with db.reading() as conn:
        row = (
            await conn.execute(select(log_entries).where(log_entries.c.entity_id == entity_id))
        ).first()
    return None if row is None else _entry(row)


@dataclass(frozen=True, slots=True)
class AuditPathRead:
    entry: StoredEntry | None
    log_size: int
    nodes: dict[NodeKey, bytes]


async def audit_path_read(db: Database, entity_id: UUID, tree_size: int | None) -> AuditPathRead:
    """In one read transaction (a consistent snapshot, a single connection): the entry
    recording ``entity_id``, the log's size, and the stored nodes of the entry's audit
    path in the tree of ``tree_size`` (default: the log's size) when that path exists."""
    async with db.reading() as conn:
        row = (
            await conn.execute(select(log_entries).where(log_entries.c.entity_id == entity_id))
        ).first()
        size = int(
            (
                await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
            ).scalar_one()
        )
        entry = None if row is None else _entry(row)
        nodes: dict[NodeKey, bytes] = {}
        wanted = size if tree_size is None else tree_size
        if entry is not None and entry.log_index < wanted <= size:
            keys = proof_node_keys(inclusion_ranges(entry.log_index, wanted))
            nodes = await load_nodes(conn, keys)
    return AuditPathRead(entry, size, nodes)


async def _cosignature_lines(conn: AsyncConnection, sizes: list[int]) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    if sizes:
        result = await conn.execute(
            select(cosignatures.c.tree_size, cosignatures.c.line)
            .where(cosignatures.c.tree_size.in_(sizes))
            .order_by(cosignatures.c.tree_size, cosignatures.c.created_at, cosignatures.c.key_id)
        )
        for row in result:
            lines.setdefault(row.tree_size, []).append(row.line)
    return lines


async def read_checkpoints(
    db: Database, *, size: int | None = None, latest: bool = False
) -> list[StoredCheckpoint]:
    """Checkpoints (with their cosignatures): one size, or the latest."""
    query = select(checkpoints).order_by(checkpoints.c.tree_size)
    if size is not None:
        query = query.where(checkpoints.c.tree_size == size)
    if latest:
        query = select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)
    async with db.reading() as conn:
        rows = (await conn.execute(query)).all()
        lines = await _cosignature_lines(conn, [r.tree_size for r in rows])
    return [
        StoredCheckpoint(r.tree_size, bytes(r.root_hash), r.note, tuple(lines.get(r.tree_size, ())))
        for r in rows
    ]


async def newest_checkpoint_time(db: Database) -> datetime | None:
    async with db.reading() as conn:
        newest: datetime | None = await conn.scalar(select(func.max(checkpoints.c.created_at)))
    return newest


async def insert_checkpoint(
    db: Database, *, tree_size: int, root_hash: bytes, note: str, created_at: datetime
) -> bool:
    """Store a signed checkpoint; False when one of that size exists already."""
    try:
        async with db.writing() as conn:
            await conn.execute(
                checkpoints.insert().values(
                    tree_size=tree_size, root_hash=root_hash, note=note, created_at=created_at
                )
            )
    except IntegrityError:
        return False
    return True


async def insert_cosignature(
    db: Database, *, tree_size: int, key_id: str, timestamp: int, line: str, created_at: datetime
) -> bool:
    """Store a witness cosignature; False when this witness already cosigned this size."""
    try:
        async with db.writing() as conn:
            await conn.execute(
                cosignatures.insert().values(
                    tree_size=tree_size,
                    key_id=key_id,
                    timestamp=timestamp,
                    line=line,
                    created_at=created_at,
                )
            )
    except IntegrityError:
        return False
    return True
