"""The fund as people name it: partners, contributions, grants' decisions, disbursements'
payees and receipts. The ledger holds the amounts; these rows hold the words (erasable)
and are keyed by the transaction they describe."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Uuid,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.ids import AccountId
from mutual.core.transactions import TransactionKind
from mutual.store.side_rows import insert_new
from mutual.store.tables import (
    UTCDateTime,
    accounts,
    metadata,
    postings,
    projects,
    transactions,
)

partners = Table(
    "partners",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    # The principal that signs for the partner (a member id for a resident).
    Column("principal_id", Uuid, ForeignKey("principals.id"), nullable=False, index=True),
    Column("account_id", Uuid, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        "kind IN ('city', 'foundation', 'company', 'association', 'resident')", name="kind_known"
    ),
)

contributions = Table(
    "contributions",
    metadata,
    # The id of the contribution's (or deposit's) transaction.
    Column("id", Uuid, ForeignKey("transactions.id"), primary_key=True),
    Column("partner_id", Uuid, ForeignKey("partners.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("repayment_due", Date, nullable=True),
    Column("deposit_account", Uuid, ForeignKey("accounts.id"), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('gift', 'deposit')", name="kind_known"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(
        "(kind = 'deposit') = (deposit_account IS NOT NULL)", name="deposit_has_account"
    ),
    Index("ix_contributions_partner_id", "partner_id"),
)

fund_grants = Table(
    "fund_grants",
    metadata,
    Column("id", Uuid, ForeignKey("transactions.id"), primary_key=True),
    Column("project_id", Uuid, ForeignKey("projects.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    # A short reference of the recorded decision ("CA 2027-03-12 n°4").
    Column("decision", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

fund_disbursements = Table(
    "fund_disbursements",
    metadata,
    Column("id", Uuid, ForeignKey("transactions.id"), primary_key=True),
    Column("project_id", Uuid, ForeignKey("projects.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("payee", String(200), nullable=False),
    Column("receipt_ref", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    id: UUID
    name: str
    kind: str
    principal_id: UUID
    account_id: UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ContributionRecord:
    id: UUID
    partner_id: UUID
    kind: str
    amount: int
    repayment_due: date | None
    deposit_account: UUID | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DisbursementRecord:
    """A project's payment as its lead recorded it: who was paid, against which receipt."""

    id: UUID
    amount: int
    payee: str
    receipt_ref: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DepositRow:
    """A deposit with its deposit account's balance (minus what is still owed)."""

    id: UUID
    repayment_due: date | None
    balance: int


@dataclass(frozen=True, slots=True)
class FundPosting:
    """One posting on the fund's account, or a project's payment, in log order."""

    transaction_id: UUID
    account_id: UUID
    log_index: int
    kind: TransactionKind
    references: dict[str, str]
    amount: int
    balance_after: int


async def insert_partner(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(partners.insert().values(**values))


async def get_partner(conn: AsyncConnection, partner_id: UUID) -> PartnerRecord | None:
    row = (await conn.execute(select(partners).where(partners.c.id == partner_id))).first()
    return None if row is None else PartnerRecord(**row._mapping)


async def list_partners(
    conn: AsyncConnection, *, after: UUID | None, limit: int
) -> list[PartnerRecord]:
    query = select(partners).order_by(partners.c.id).limit(limit)
    if after is not None:
        query = query.where(partners.c.id > after)
    return [PartnerRecord(**row._mapping) for row in await conn.execute(query)]


async def insert_contributions(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """The rows describing contributions (the journal's side rows), unless a replay's are
    there; as the grants' and the disbursements'."""
    await insert_new(conn, contributions, rows)


async def insert_grants(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    await insert_new(conn, fund_grants, rows)


async def insert_disbursements(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    await insert_new(conn, fund_disbursements, rows)


async def get_contribution(
    conn: AsyncConnection, contribution_id: UUID
) -> ContributionRecord | None:
    query = select(contributions).where(contributions.c.id == contribution_id)
    row = (await conn.execute(query)).first()
    return None if row is None else ContributionRecord(**row._mapping)


async def contributions_of(
    conn: AsyncConnection, partner_id: UUID | None = None
) -> list[ContributionRecord]:
    query = select(contributions).order_by(contributions.c.recorded_at, contributions.c.id)
    if partner_id is not None:
        query = query.where(contributions.c.partner_id == partner_id)
    return [ContributionRecord(**row._mapping) for row in await conn.execute(query)]


async def deposits(conn: AsyncConnection) -> list[DepositRow]:
    query = (
        select(contributions.c.id, contributions.c.repayment_due, accounts.c.balance)
        .join(accounts, accounts.c.id == contributions.c.deposit_account)
        .where(contributions.c.kind == "deposit")
    )
    return [DepositRow(r.id, r.repayment_due, r.balance) for r in await conn.execute(query)]


async def account_postings(
    conn: AsyncConnection, account_ids: Sequence[AccountId], kinds: Sequence[TransactionKind] = ()
) -> list[FundPosting]:
    """The postings on these accounts in log order, with their transaction's kind and
    references (optionally only transactions of ``kinds``)."""
    query = (
        select(
            postings.c.transaction_id,
            postings.c.account_id,
            transactions.c.log_index,
            transactions.c.kind,
            transactions.c.references,
            postings.c.amount,
            postings.c.balance_after,
        )
        .join(transactions, transactions.c.id == postings.c.transaction_id)
        .where(postings.c.account_id.in_(list(account_ids)))
        .order_by(transactions.c.log_index)
    )
    if kinds:
        query = query.where(transactions.c.kind.in_([k.value for k in kinds]))
    return [
        FundPosting(
            r.transaction_id,
            r.account_id,
            r.log_index,
            TransactionKind(r.kind),
            json.loads(r.references),
            r.amount,
            r.balance_after,
        )
        for r in await conn.execute(query)
    ]


async def disbursement_rows(
    conn: AsyncConnection, ids: Sequence[UUID]
) -> dict[UUID, tuple[str, str]]:
    """Payee and receipt reference of each disbursement."""
    if not ids:
        return {}
    query = select(
        fund_disbursements.c.id, fund_disbursements.c.payee, fund_disbursements.c.receipt_ref
    ).where(fund_disbursements.c.id.in_(list(ids)))
    return {r.id: (r.payee, r.receipt_ref) for r in await conn.execute(query)}


async def disbursements_of(conn: AsyncConnection, project_id: UUID) -> list[DisbursementRecord]:
    """A project's payments, oldest first."""
    query = (
        select(
            fund_disbursements.c.id,
            fund_disbursements.c.amount,
            fund_disbursements.c.payee,
            fund_disbursements.c.receipt_ref,
            fund_disbursements.c.recorded_at,
        )
        .where(fund_disbursements.c.project_id == project_id)
        .order_by(fund_disbursements.c.recorded_at, fund_disbursements.c.id)
    )
    return [DisbursementRecord(*r) for r in await conn.execute(query)]


async def grant_decisions(conn: AsyncConnection, ids: Sequence[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    query = select(fund_grants.c.id, fund_grants.c.decision).where(fund_grants.c.id.in_(list(ids)))
    return {r.id: r.decision for r in await conn.execute(query)}


async def grant_splits(
    conn: AsyncConnection, tx_ids: Sequence[UUID]
) -> dict[UUID, list[tuple[UUID, int]]]:
    """For grants to several projects at once (a round's execution): what each project's
    EUR account received, by transaction, in posting order."""
    if not tx_ids:
        return {}
    query = (
        select(postings.c.transaction_id, projects.c.id, postings.c.amount)
        .join(projects, projects.c.eur_account == postings.c.account_id)
        .where(postings.c.transaction_id.in_(list(tx_ids)), postings.c.amount > 0)
        .order_by(postings.c.transaction_id, postings.c.seq)
    )
    found: dict[UUID, list[tuple[UUID, int]]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.transaction_id, []).append((row.id, row.amount))
    return found


async def erase_resident_partner(conn: AsyncConnection, member_id: UUID) -> None:
    """GDPR erasure: a resident partner's name goes; their contributions stay (by id)."""
    await conn.execute(
        update(partners)
        .where(partners.c.kind == "resident", partners.c.principal_id == member_id)
        .values(name="")
    )
