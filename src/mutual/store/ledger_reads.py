"""Reading recorded transactions and account statements."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.ledger import RecordedPosting
from mutual.core.transactions import Posting, TransactionKind
from mutual.core.units import Unit
from mutual.store.database import Database
from mutual.store.tables import accounts, ledger_head, postings, transaction_memos, transactions


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    id: TransactionId
    log_index: int
    kind: TransactionKind
    initiator: PrincipalId
    memo: str
    references: dict[str, str]
    reverses: TransactionId | None
    reversed_by: TransactionId | None
    recorded_at: datetime
    postings: tuple[RecordedPosting, ...]


@dataclass(frozen=True, slots=True)
class StatementLine:
    transaction_id: TransactionId
    log_index: int
    kind: TransactionKind
    amount: int
    account_version: int
    balance_after: int
    recorded_at: datetime


async def get_transaction(db: Database, tx_id: TransactionId) -> TransactionRecord | None:
    reversal = transactions.alias("reversal")
    query = (
        select(transactions, transaction_memos.c.memo, reversal.c.id.label("reversed_by"))
        .outerjoin(transaction_memos, transaction_memos.c.transaction_id == transactions.c.id)
        .outerjoin(reversal, reversal.c.reverses == transactions.c.id)
        .where(transactions.c.id == tx_id)
    )
    async with db.reading() as conn:
        row = (await conn.execute(query)).first()
        if row is None:
            return None
        lines = await conn.execute(
            select(postings).where(postings.c.transaction_id == tx_id).order_by(postings.c.seq)
        )
        recorded = tuple(
            RecordedPosting(
                AccountId(p.account_id),
                p.unit,
                p.amount,
                p.account_version,
                p.balance_after,
                p.balance_min,
                p.balance_max,
            )
            for p in lines
        )
    m = row._mapping
    return TransactionRecord(
        TransactionId(m["id"]),
        m["log_index"],
        TransactionKind(m["kind"]),
        PrincipalId(m["initiator"]),
        m["memo"] or "",
        json.loads(m["references"]),
        None if m["reverses"] is None else TransactionId(m["reverses"]),
        None if m["reversed_by"] is None else TransactionId(m["reversed_by"]),
        m["recorded_at"],
        recorded,
    )


async def transaction_exists(db: Database, tx_id: TransactionId) -> bool:
    async with db.reading() as conn:
        found = await conn.scalar(select(transactions.c.id).where(transactions.c.id == tx_id))
    return found is not None


async def original_postings(db: Database, tx_id: TransactionId) -> tuple[Posting, ...] | None:
    """The postings of a recorded transaction, or None when there is no such transaction."""
    async with db.reading() as conn:
        rows = (
            await conn.execute(
                select(postings.c.account_id, postings.c.unit, postings.c.amount)
                .where(postings.c.transaction_id == tx_id)
                .order_by(postings.c.seq)
            )
        ).all()
    if not rows:
        return None
    return tuple(Posting(AccountId(r.account_id), Unit(r.unit), r.amount) for r in rows)


async def statement(
    db: Database,
    account_id: AccountId,
    *,
    past_version: int | None,
    limit: int,
    newest_first: bool = False,
) -> list[StatementLine]:
    """The account's postings in order (or newest first), each with the running balance
    right after it, starting past ``past_version`` in that order (None: from the start)."""
    version = postings.c.account_version
    query = (
        select(
            postings.c.transaction_id,
            transactions.c.log_index,
            transactions.c.kind,
            postings.c.amount,
            postings.c.account_version,
            postings.c.balance_after,
            transactions.c.recorded_at,
        )
        .join(transactions, transactions.c.id == postings.c.transaction_id)
        .where(postings.c.account_id == account_id)
        .order_by(version.desc() if newest_first else version.asc())
        .limit(limit)
    )
    if past_version is not None:
        query = query.where(version < past_version if newest_first else version > past_version)
    async with db.reading() as conn:
        return [
            StatementLine(
                TransactionId(r.transaction_id),
                r.log_index,
                TransactionKind(r.kind),
                r.amount,
                r.account_version,
                r.balance_after,
                r.recorded_at,
            )
            for r in await conn.execute(query)
        ]


async def tree_size(db: Database) -> int:
    async with db.reading() as conn:
        size = await conn.scalar(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
    return int(size or 0)


async def ping(db: Database) -> None:
    """Raise when the database cannot answer a trivial query."""
    async with db.reading() as conn:
        await conn.scalar(select(func.count()).select_from(ledger_head))


async def erase_memos(db: Database, owner_id: str) -> int:
    """Delete the memos (and their salts) of every transaction touching the owner's
    accounts; the signed payloads keep only SHA-256(salt || memo), now unguessable."""
    touched = (
        select(postings.c.transaction_id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(accounts.c.owner_id == owner_id)
    )
    async with db.writing() as conn:
        result = await conn.execute(
            transaction_memos.delete().where(transaction_memos.c.transaction_id.in_(touched))
        )
    return int(result.rowcount or 0)
