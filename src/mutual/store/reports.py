"""What the territory's reports count, read as rows: who each member is for a report
(neighbourhood, age band), pledges per member and quarter, grants to projects, loans of
goods with their borrower. The figures are read from the ledger's own transactions, so
that one sent raw counts as one made through a use case; reversed transactions are left
out, as the ledger's balances leave them out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.kinds import GOOD_PREFIX
from mutual.core.pledges import Role
from mutual.core.transactions import TransactionKind
from mutual.store.pledges import pledge_accounts
from mutual.store.tables import members, postings, projects, transactions


@dataclass(frozen=True, slots=True)
class Person:
    member_id: UUID
    account_id: UUID | None
    neighbourhood: str | None
    age_band: str | None


@dataclass(frozen=True, slots=True)
class PledgeRow:
    member_id: UUID
    quarter: str
    minutes: int


@dataclass(frozen=True, slots=True)
class GrantRow:
    project_id: UUID
    recorded_at: datetime
    amount: int
    category: str
    group_kind: str
    group_name: str


@dataclass(frozen=True, slots=True)
class LoanRow:
    lent_at: datetime
    kind: str
    member_id: UUID
    count: int


def _reversed() -> Select[Any]:
    return select(transactions.c.reverses).where(transactions.c.reverses.is_not(None))


async def people(conn: AsyncConnection) -> list[Person]:
    """Every member, with what a report counts them by (nothing for an erased one)."""
    query = select(members.c.id, members.c.account_id, members.c.neighbourhood, members.c.age_band)
    return [Person(*row) for row in await conn.execute(query)]


async def pledges(conn: AsyncConnection) -> list[PledgeRow]:
    """The minutes each member pledged for each quarter: what their pledges moved into
    their held share, the pool's side of each pledge transaction."""
    query = (
        select(pledge_accounts.c.member_id, pledge_accounts.c.quarter, func.sum(postings.c.amount))
        .join(postings, postings.c.account_id == pledge_accounts.c.account_id)
        .join(transactions, transactions.c.id == postings.c.transaction_id)
        .where(
            pledge_accounts.c.role == Role.HELD.value,
            transactions.c.kind == TransactionKind.PLEDGE.value,
            transactions.c.id.not_in(_reversed()),
        )
        .group_by(pledge_accounts.c.member_id, pledge_accounts.c.quarter)
    )
    return [PledgeRow(m, q, int(total)) for m, q, total in await conn.execute(query)]


async def grants(conn: AsyncConnection) -> list[GrantRow]:
    """Every grant the ledger posted to a project's euro account, whether recorded by
    hand or executed from a round's decision."""
    query = (
        select(
            projects.c.id,
            transactions.c.recorded_at,
            postings.c.amount,
            projects.c.category,
            projects.c.group_kind,
            projects.c.group_name,
        )
        .join(postings, postings.c.transaction_id == transactions.c.id)
        .join(projects, projects.c.eur_account == postings.c.account_id)
        .where(
            transactions.c.kind == TransactionKind.GRANT.value,
            postings.c.amount > 0,
            transactions.c.id.not_in(_reversed()),
        )
    )
    return [GrantRow(*row) for row in await conn.execute(query)]


async def goods_loans(conn: AsyncConnection) -> list[LoanRow]:
    """Every loan the ledger posted, raw or through a collection point: the items that
    reached the borrower's loan account, the borrower as the signed loan names them."""
    query = (
        select(
            transactions.c.recorded_at,
            transactions.c.references,
            postings.c.unit,
            postings.c.amount,
        )
        .join(postings, postings.c.transaction_id == transactions.c.id)
        .where(
            transactions.c.kind == TransactionKind.LOAN.value,
            postings.c.amount > 0,
            transactions.c.id.not_in(_reversed()),
        )
    )
    return [
        LoanRow(at, unit.removeprefix(GOOD_PREFIX), UUID(json.loads(refs)["member"]), int(n))
        for at, refs, unit, n in await conn.execute(query)
    ]
