"""The signed ledger as NDJSON, for auditors (format: ``contracts/export.md``).

Everything is read in one snapshot (REPEATABLE READ on PostgreSQL, one read transaction
on SQLite) so the entries, checkpoints and final balances agree even while the service
keeps writing. The export always ends with a checkpoint of its own size: when none was
signed yet at that size, one is signed from the snapshot and stored afterwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mutual.core.merkle import root_from_nodes, root_node_keys
from mutual.core.notes import Checkpoint, Note, format_checkpoint_body, format_note
from mutual.core.verify import EXPORT_FORMAT
from mutual.store import log_reads
from mutual.store.journal_io import load_nodes
from mutual.store.tables import (
    accounts,
    checkpoints,
    cosignatures,
    ledger_head,
    log_entries,
    postings,
)
from mutual.usecases.runtime import Runtime

CHUNK = 2000


def _line(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


async def _notes(conn: AsyncConnection, size: int) -> dict[int, str]:
    """Every stored checkpoint up to ``size`` as a note with its cosignatures."""
    notes = {
        row.tree_size: row.note
        for row in await conn.execute(
            select(checkpoints.c.tree_size, checkpoints.c.note).where(
                checkpoints.c.tree_size <= size
            )
        )
    }
    for row in await conn.execute(
        select(cosignatures.c.tree_size, cosignatures.c.line)
        .where(cosignatures.c.tree_size <= size)
        .order_by(cosignatures.c.tree_size, cosignatures.c.created_at, cosignatures.c.key_id)
    ):
        notes[row.tree_size] += row.line
    return notes


async def export_lines(rt: Runtime, *, source: AsyncEngine | None = None) -> AsyncIterator[str]:
    """The export, read from ``source`` (a standby's engine; the primary's by default).
    A standby's snapshot is a consistent log of its own size, whatever its lag; a
    checkpoint it needs is signed here and stored on the primary."""
    new_checkpoint: tuple[int, bytes, str] | None = None
    async with (source or rt.db.read_engine).connect() as conn:
        if rt.db.is_postgres:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            size = int(
                (
                    await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
                ).scalar_one()
            )
            notes = await _notes(conn, size)
            if size not in notes:
                root = root_from_nodes(size, await load_nodes(conn, root_node_keys(size)))
                body = format_checkpoint_body(Checkpoint(rt.log.origin, size, root))
                notes[size] = format_note(Note(body, (rt.log.sign_note(body),)))
                new_checkpoint = (size, root, notes[size])
            yield _line(
                {
                    "type": "header",
                    "format": EXPORT_FORMAT,
                    "origin": rt.log.origin,
                    "tree_size": size,
                    "log_key": rt.log.verifier_key_text(),
                }
            )
            if 0 in notes:
                yield _line({"type": "checkpoint", "note": notes[0]})
            position = 0
            while position < size:
                rows = (
                    await conn.execute(
                        select(
                            log_entries.c.log_index,
                            log_entries.c.entity_id,
                            log_entries.c.entry_type,
                            log_entries.c.leaf_input,
                        )
                        .where(log_entries.c.log_index >= position, log_entries.c.log_index < size)
                        .order_by(log_entries.c.log_index)
                        .limit(CHUNK)
                    )
                ).all()
                if not rows:
                    break
                tx_ids = [r.entity_id for r in rows if r.entry_type == "transaction"]
                after: dict[Any, list[int]] = {}
                if tx_ids:
                    for p in await conn.execute(
                        select(postings.c.transaction_id, postings.c.balance_after)
                        .where(postings.c.transaction_id.in_(tx_ids))
                        .order_by(postings.c.transaction_id, postings.c.seq)
                    ):
                        after.setdefault(p.transaction_id, []).append(p.balance_after)
                for row in rows:
                    doc: dict[str, Any] = {
                        "type": "entry",
                        "index": row.log_index,
                        "entry": json.loads(row.leaf_input),
                    }
                    if row.entry_type == "transaction":
                        doc["recorded"] = {"balances_after": after.get(row.entity_id, [])}
                    yield _line(doc)
                    if row.log_index + 1 in notes:
                        yield _line({"type": "checkpoint", "note": notes[row.log_index + 1]})
                position = rows[-1].log_index + 1
            balances = 0
            for account in await conn.execute(
                select(accounts.c.id, accounts.c.balance, accounts.c.version).order_by(
                    accounts.c.id
                )
            ):
                balances += 1
                yield _line(
                    {
                        "type": "balance",
                        "account_id": str(account.id),
                        "balance": account.balance,
                        "version": account.version,
                    }
                )
            yield _line(
                {
                    "type": "end",
                    "entries": size,
                    "checkpoints": len(notes),
                    "balances": balances,
                }
            )
    if new_checkpoint is not None:
        size, root, note = new_checkpoint
        await log_reads.insert_checkpoint(
            rt.db, tree_size=size, root_hash=root, note=note, created_at=rt.clock()
        )
