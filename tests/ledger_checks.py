"""Whole-ledger invariant checks read straight from the database, shared by several tests."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy import select

from mutual.core.merkle import leaf_hash, root_from_nodes, root_node_keys, root_of
from mutual.store.database import Database
from mutual.store.journal_io import load_nodes
from mutual.store.tables import accounts, ledger_head, log_entries, postings, transactions


async def check_ledger(db: Database) -> dict[UUID, int]:
    """Assert every stored invariant of the ledger and return the balances by account.

    Σ balances per unit = 0; each balance = Σ its postings and its version = their
    count, with each running balance right; no posting left its bounds in the direction
    it moved; log indexes are exactly 0..tree_size-1, each transaction is its leaf, and
    the stored Merkle nodes give the root of all leaf hashes.
    """
    async with db.read_engine.connect() as conn:
        account_rows = (await conn.execute(select(accounts))).all()
        posting_rows = (
            await conn.execute(
                select(postings).order_by(postings.c.account_id, postings.c.account_version)
            )
        ).all()
        entries = (await conn.execute(select(log_entries).order_by(log_entries.c.log_index))).all()
        tx_leaves = {
            (r.log_index, r.id)
            for r in await conn.execute(select(transactions.c.log_index, transactions.c.id))
        }
        size = (await conn.execute(select(ledger_head.c.tree_size))).scalar_one()
        nodes = await load_nodes(conn, root_node_keys(size))
    per_unit: dict[str, int] = defaultdict(int)
    folded: dict[UUID, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for p in posting_rows:
        balance, version = folded[p.account_id]
        assert p.account_version == version + 1, "account versions are consecutive"
        assert p.balance_after == balance + p.amount, "running balance is exact"
        assert p.amount != 0
        if p.amount < 0 and p.balance_min is not None:
            assert p.balance_after >= p.balance_min, "a debit never ends below balance_min"
        if p.amount > 0 and p.balance_max is not None:
            assert p.balance_after <= p.balance_max, "a credit never ends above balance_max"
        folded[p.account_id] = (p.balance_after, p.account_version)
    for a in account_rows:
        assert (a.balance, a.version) == folded[a.id], "stored balance is the fold of postings"
        per_unit[a.unit] += a.balance
    assert {u: t for u, t in per_unit.items() if t != 0} == {}, "each unit sums to zero"
    assert [e.log_index for e in entries] == list(range(size)), "the log is dense, 0..size-1"
    assert tx_leaves == {
        (e.log_index, e.entity_id) for e in entries if e.entry_type == "transaction"
    }, "each transaction is the leaf at its log index"
    hashes = [bytes(e.leaf_hash) for e in entries]
    assert hashes == [leaf_hash(bytes(e.leaf_input)) for e in entries], "leaf hashes are exact"
    assert root_from_nodes(size, nodes) == root_of(hashes), "stored nodes give the true root"
    return {a.id: a.balance for a in account_rows}
