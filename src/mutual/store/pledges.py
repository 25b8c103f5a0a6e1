"""Which ``PLEDGE`` account is whose promise, pool share or allocation.

The ledger holds the amounts; this table only names the accounts, so a member's quarter
or a project's volunteers are one query. Rows are written before the ledger write that
opens the accounts (a row naming an account not yet opened reads as zero), so a crash
between the two never leaves an account nobody can find.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import CheckConstraint, Column, Index, String, Table, Uuid, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.ids import PrincipalId
from mutual.core.pledges import PledgeAccount, Role
from mutual.core.quarters import Quarter
from mutual.core.transactions import TransactionKind
from mutual.store.tables import accounts, metadata, postings, transactions

pledge_accounts = Table(
    "pledge_accounts",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("member_id", Uuid, nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("project_id", Uuid, nullable=True),
    CheckConstraint("role IN ('promise', 'held', 'allocated')", name="role_known"),
    Index("ix_pledge_accounts_member_id_quarter", "member_id", "quarter"),
    Index("ix_pledge_accounts_project_id_quarter", "project_id", "quarter"),
    Index("ix_pledge_accounts_quarter_role", "quarter", "role"),
)


async def name_accounts(conn: AsyncConnection, named: Iterable[PledgeAccount]) -> None:
    """Name the accounts, once each (a batch's pledges of one member name the same)."""
    once = {
        p.account.id: {
            "account_id": p.account.id,
            "role": p.role.value,
            "member_id": p.member_id,
            "quarter": str(p.quarter),
            "project_id": p.project_id,
        }
        for p in named
    }
    rows = list(once.values())
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        await conn.execute(dialect.insert(pledge_accounts).values(rows).on_conflict_do_nothing())


@dataclass(frozen=True, slots=True)
class AccountSums:
    """One named account: its balance and the sum of its postings per transaction kind."""

    account_id: UUID
    role: Role
    member_id: PrincipalId
    quarter: str
    project_id: UUID | None
    balance: int
    by_kind: dict[TransactionKind, int]


async def account_sums(
    conn: AsyncConnection,
    *,
    member_id: UUID | None = None,
    project_id: UUID | None = None,
    quarter: Quarter | None = None,
) -> list[AccountSums]:
    """Every opened account matching the filters, with its sums per kind."""
    where: list[Any] = []
    if member_id is not None:
        where.append(pledge_accounts.c.member_id == member_id)
    if project_id is not None:
        where.append(pledge_accounts.c.project_id == project_id)
    if quarter is not None:
        where.append(pledge_accounts.c.quarter == str(quarter))
    # Named accounts whose opening was refused or is not yet written are left out.
    named = select(pledge_accounts, accounts.c.balance).join(
        accounts, accounts.c.id == pledge_accounts.c.account_id
    )
    rows = {
        r.account_id: AccountSums(
            r.account_id,
            Role(r.role),
            PrincipalId(r.member_id),
            r.quarter,
            r.project_id,
            r.balance,
            {},
        )
        for r in await conn.execute(named.where(*where))
    }
    sums = (
        select(postings.c.account_id, transactions.c.kind, func.sum(postings.c.amount))
        .join(transactions, transactions.c.id == postings.c.transaction_id)
        .join(pledge_accounts, pledge_accounts.c.account_id == postings.c.account_id)
        .where(*where)
        .group_by(postings.c.account_id, transactions.c.kind)
    )
    for account_id, kind, total in await conn.execute(sums):
        rows[account_id].by_kind[TransactionKind(kind)] = int(total)
    return sorted(rows.values(), key=lambda a: (a.quarter, str(a.member_id), a.role.value))


async def held_balances(conn: AsyncConnection, quarter: Quarter) -> dict[PrincipalId, int]:
    """What the pool holds of each member's pledge for ``quarter``."""
    query = (
        select(pledge_accounts.c.member_id, accounts.c.balance)
        .join(accounts, accounts.c.id == pledge_accounts.c.account_id)
        .where(pledge_accounts.c.quarter == str(quarter), pledge_accounts.c.role == Role.HELD)
    )
    return {PrincipalId(m): int(b) for m, b in await conn.execute(query)}


async def held_balances_at(
    conn: AsyncConnection, quarter: Quarter, log_index: int
) -> dict[PrincipalId, int]:
    """What the pool held of each member's pledge for ``quarter`` once the log entry at
    ``log_index`` was written: each held account's balance after its last posting at or
    before that index (accounts untouched by then held nothing)."""
    held = pledge_accounts.c.role == Role.HELD
    last = (
        select(func.max(postings.c.account_version))
        .select_from(postings.join(transactions, transactions.c.id == postings.c.transaction_id))
        .where(postings.c.account_id == pledge_accounts.c.account_id)
        .where(transactions.c.log_index <= log_index)
        .scalar_subquery()
    )
    query = (
        select(pledge_accounts.c.member_id, postings.c.balance_after)
        .join(postings, postings.c.account_id == pledge_accounts.c.account_id)
        .where(pledge_accounts.c.quarter == str(quarter), held)
        .where(postings.c.account_version == last)
    )
    return {PrincipalId(m): int(b) for m, b in await conn.execute(query)}
