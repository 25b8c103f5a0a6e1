"""Moving a ledger from the embedded SQLite database into PostgreSQL, row for row, in one
PostgreSQL transaction, then proving the two agree (same log root, same balances).

The copy goes through the target's own defences: its triggers check each leaf, each
posting and the dense log as the journal's writes are checked, so a copy that would
break an invariant is refused whole. Rows go in the order those defences expect: a
transaction's postings before its row (they may not be added to a recorded one), leaves
before transactions, and the log head moved last, once every leaf is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from mutual.core.merkle import root_from_nodes, root_node_keys
from mutual.store.database import Database
from mutual.store.log_reads import read_nodes, read_tree_size
from mutual.store.schema import metadata
from mutual.store.tables import accounts, ledger_head, postings, principals, transactions

CHUNK = 5000


class MoveError(Exception):
    """The move cannot start, or its result differs from the source; nothing is kept."""


def _copy_order() -> list[Table]:
    """Tables in an order that satisfies foreign keys and the ledger's insert triggers."""
    tables = [t for t in metadata.sorted_tables if t.name not in ("ledger_head", "alembic_version")]
    # Transactions come right after their postings; whatever refers to a transaction
    # comes after it.
    after_tx = {t for t in tables if t is not postings and _refers_to(t, transactions)}
    first = [t for t in tables if t is not transactions and t not in after_tx]
    return [*first, transactions, *[t for t in tables if t in after_tx]]


def _refers_to(table: Table, target: Table) -> bool:
    return table is not target and any(fk.column.table is target for fk in table.foreign_keys)


def _ordered(table: Table) -> list[ColumnElement[Any]]:
    # Log order for transactions, so a correction follows what it reverses.
    if table is transactions:
        return [transactions.c.log_index]
    return list(table.primary_key.columns)


def _insert(table: Table) -> Insert:
    """An insert that takes over the rows a migration seeded (the notifications' progress
    counter): the source's value wins. Ledger tables start empty, so their append-only
    triggers never see an update."""
    keys = list(table.primary_key.columns)
    statement = insert(table)
    others = {c.name: statement.excluded[c.name] for c in table.columns if not c.primary_key}
    if not others:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=others)


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table) -> int:
    copied = 0
    result = await src.stream(select(table).order_by(*_ordered(table)))
    statement = _insert(table)
    async for chunk in result.mappings().partitions(CHUNK):
        await dst.execute(statement, [dict(row) for row in chunk])
        copied += len(chunk)
    return copied


async def _reset_sequences(dst: AsyncConnection, tables: Sequence[Table]) -> None:
    """Serial keys were copied with their values: their sequences continue after them
    (``pg_get_serial_sequence`` is NULL, and so is the whole call, for other keys)."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        highest = await dst.scalar(select(func.max(keys[0])))
        await dst.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
            {"t": table.name, "c": keys[0].name, "v": highest or 1, "called": highest is not None},
        )


async def copy_store(source: Database, target: Database) -> dict[str, int]:
    """Copy every row of ``source`` into the migrated, empty ``target`` (PostgreSQL)."""
    if not target.is_postgres:
        raise MoveError("the target must be a PostgreSQL database")
    async with target.reading() as conn:
        someone = await conn.scalar(select(func.count()).select_from(principals))
    if await read_tree_size(target) != 0 or someone:
        raise MoveError("the target already holds a ledger: give an empty database")
    counts: dict[str, int] = {}
    order = _copy_order()
    async with source.read_engine.connect() as src, target.write_engine.begin() as dst:
        if source.is_postgres:
            src = await src.execution_options(isolation_level="REPEATABLE READ")
        async with src.begin():  # one read transaction: one state of the source
            for table in order:
                counts[table.name] = await _copy_table(src, dst, table)
            size = (await src.execute(select(ledger_head.c.tree_size))).scalar_one()
        # Last: the head's trigger checks that exactly the leaves below it are present.
        await dst.execute(update(ledger_head).where(ledger_head.c.id == 1).values(tree_size=size))
        await _reset_sequences(dst, [t for t in order if t.name != "ledger_head"])
    return counts


async def _root(db: Database) -> tuple[int, bytes | None]:
    size = await read_tree_size(db)
    if size == 0:
        return 0, None
    return size, root_from_nodes(size, await read_nodes(db, root_node_keys(size)))


async def _balances(db: Database) -> list[tuple[object, int, int]]:
    async with db.reading() as conn:
        rows = await conn.execute(
            select(accounts.c.id, accounts.c.balance, accounts.c.version).order_by(accounts.c.id)
        )
        return [(r.id, r.balance, r.version) for r in rows]


async def _counts(db: Database) -> dict[str, int]:
    async with db.reading() as conn:
        return {
            t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in _copy_order()
        }


async def differences(source: Database, target: Database) -> list[str]:
    """How ``target`` differs from ``source``: the log (size and root), any balance or
    version, any table's row count. Empty when the move kept everything."""
    found: list[str] = []
    (size_a, root_a), (size_b, root_b) = await _root(source), await _root(target)
    if (size_a, root_a) != (size_b, root_b):
        found.append(f"log: size {size_a} → {size_b}, roots differ: {root_a != root_b}")
    balances_a, balances_b = await _balances(source), await _balances(target)
    if balances_a != balances_b:
        changed = len(set(balances_a) ^ set(balances_b))
        found.append(f"accounts: {changed} balance or version rows differ")
    counts_a, counts_b = await _counts(source), await _counts(target)
    found.extend(
        f"{name}: {counts_a[name]} rows → {counts_b[name]}"
        for name in counts_a
        if counts_a[name] != counts_b[name]
    )
    return found
