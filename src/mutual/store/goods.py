"""Shared goods as people name them: the catalogue, collection points and their keepers,
loans with their due dates, returns and gifts. The counts themselves are in the ledger;
these tables are written after the ledger accepted the movement, keyed by its id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.side_rows import insert_new
from mutual.store.tables import (
    UTCDateTime,
    accounts,
    metadata,
    postings,
    transactions,
)

good_kinds = Table(
    "good_kinds",
    metadata,
    Column("slug", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

collection_points = Table(
    "collection_points",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("neighbourhood", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # When the point is open, in its keepers' words (shown to residents as written).
    Column("opening_hours", Text, nullable=True),
)

collection_point_keepers = Table(
    "collection_point_keepers",
    metadata,
    Column("point_id", Uuid, ForeignKey("collection_points.id"), nullable=False),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    PrimaryKeyConstraint("point_id", "member_id"),
)

loans = Table(
    "loans",
    metadata,
    # The id of the loan transaction.
    Column("id", Uuid, primary_key=True),
    Column("point_id", Uuid, ForeignKey("collection_points.id"), nullable=False),
    Column("kind", String(63), ForeignKey("good_kinds.slug"), nullable=False),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("count", Integer, nullable=False),
    Column("returned", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("lent_at", UTCDateTime(), nullable=False),
    CheckConstraint("count > 0", name="count_positive"),
    CheckConstraint("returned >= 0 AND returned <= count", name="returned_within_count"),
    Index("ix_loans_member_id", "member_id"),
    Index("ix_loans_point_id_due_on", "point_id", "due_on"),
)

loan_returns = Table(
    "loan_returns",
    metadata,
    # The id of the return transaction.
    Column("id", Uuid, primary_key=True),
    Column("loan_id", Uuid, ForeignKey("loans.id"), nullable=False),
    Column("count", Integer, nullable=False),
    Column("returned_at", UTCDateTime(), nullable=False),
    CheckConstraint("count > 0", name="count_positive"),
)

good_gifts = Table(
    "good_gifts",
    metadata,
    # The id of the give transaction.
    Column("id", Uuid, primary_key=True),
    Column("point_id", Uuid, ForeignKey("collection_points.id"), nullable=False),
    Column("kind", String(63), ForeignKey("good_kinds.slug"), nullable=False),
    Column("count", Integer, nullable=False),
    Column("to_member", Uuid, nullable=True),
    # Free text about who received it: personal data, erasable, never in the ledger.
    Column("household", Text, nullable=True),
    Column("given_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class KindRecord:
    slug: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PointRecord:
    id: UUID
    name: str
    neighbourhood: str
    created_at: datetime
    opening_hours: str | None
    keepers: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class LoanRecord:
    id: UUID
    point_id: UUID
    kind: str
    member_id: UUID
    count: int
    returned: int
    due_on: date
    lent_at: datetime

    @property
    def outstanding(self) -> int:
        return self.count - self.returned


@dataclass(frozen=True, slots=True)
class HistoryRow:
    transaction_id: UUID
    log_index: int
    kind: str
    recorded_at: datetime
    account_id: UUID
    point_id: str
    amount: int
    balance_after: int


# -- catalogue ---------------------------------------------------------------------------


async def get_kind(conn: AsyncConnection, slug: str) -> KindRecord | None:
    row = (await conn.execute(select(good_kinds).where(good_kinds.c.slug == slug))).first()
    return None if row is None else KindRecord(**row._mapping)


async def insert_kind(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(good_kinds.insert().values(**values))


async def list_kinds(conn: AsyncConnection) -> list[KindRecord]:
    rows = await conn.execute(select(good_kinds).order_by(good_kinds.c.slug))
    return [KindRecord(**row._mapping) for row in rows]


# -- collection points -------------------------------------------------------------------


async def _keepers(conn: AsyncConnection, point_id: UUID) -> tuple[UUID, ...]:
    rows = await conn.execute(
        select(collection_point_keepers.c.member_id)
        .where(collection_point_keepers.c.point_id == point_id)
        .order_by(collection_point_keepers.c.member_id)
    )
    return tuple(r.member_id for r in rows)


async def get_point(conn: AsyncConnection, point_id: UUID) -> PointRecord | None:
    row = (
        await conn.execute(select(collection_points).where(collection_points.c.id == point_id))
    ).first()
    if row is None:
        return None
    return PointRecord(**row._mapping, keepers=await _keepers(conn, point_id))


async def list_points(conn: AsyncConnection) -> list[PointRecord]:
    rows = list(await conn.execute(select(collection_points).order_by(collection_points.c.name)))
    return [PointRecord(**r._mapping, keepers=await _keepers(conn, r.id)) for r in rows]


async def insert_point(
    conn: AsyncConnection, values: Mapping[str, Any], keepers: Iterable[UUID]
) -> None:
    await conn.execute(collection_points.insert().values(**values))
    await set_keepers(conn, values["id"], keepers)


async def set_opening_hours(conn: AsyncConnection, point_id: UUID, hours: str | None) -> None:
    await conn.execute(
        update(collection_points)
        .where(collection_points.c.id == point_id)
        .values(opening_hours=hours)
    )


async def set_keepers(conn: AsyncConnection, point_id: UUID, keepers: Iterable[UUID]) -> None:
    await conn.execute(
        delete(collection_point_keepers).where(collection_point_keepers.c.point_id == point_id)
    )
    rows = [{"point_id": point_id, "member_id": m} for m in sorted(set(keepers))]
    if rows:
        await conn.execute(collection_point_keepers.insert(), rows)


async def balances(conn: AsyncConnection, ids: Iterable[UUID]) -> dict[UUID, int]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = await conn.execute(
        select(accounts.c.id, accounts.c.balance).where(accounts.c.id.in_(wanted))
    )
    return {r.id: r.balance for r in rows}


# -- loans, returns, gifts ---------------------------------------------------------------


def _loan(row: Any) -> LoanRecord:
    return LoanRecord(**row._mapping)


async def get_loan(conn: AsyncConnection, loan_id: UUID) -> LoanRecord | None:
    row = (await conn.execute(select(loans).where(loans.c.id == loan_id))).first()
    return None if row is None else _loan(row)


async def insert_loans(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the loans (the journal's side rows) unless their transaction's id is already
    there (a replay)."""
    await insert_new(conn, loans, rows)


async def record_returns(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the returns and count them on their loans, once per return transaction."""
    back: Counter[UUID] = Counter()
    for row in await insert_new(conn, loan_returns, rows):
        back[row["loan_id"]] += row["count"]
    if back:
        await conn.execute(
            update(loans)
            .where(loans.c.id == bindparam("loan"))
            .values(returned=loans.c.returned + bindparam("back")),
            [{"loan": loan, "back": n} for loan, n in back.items()],
        )


async def insert_gifts(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    await insert_new(conn, good_gifts, rows)


async def open_loans(
    conn: AsyncConnection, *, point_id: UUID | None = None, member_id: UUID | None = None
) -> list[LoanRecord]:
    query = (
        select(loans).where(loans.c.returned < loans.c.count).order_by(loans.c.due_on, loans.c.id)
    )
    if point_id is not None:
        query = query.where(loans.c.point_id == point_id)
    if member_id is not None:
        query = query.where(loans.c.member_id == member_id)
    return [_loan(row) for row in await conn.execute(query)]


async def unit_history(
    conn: AsyncConnection, unit: str, *, after: int | None, limit: int
) -> list[HistoryRow]:
    """Every posting in ``unit``, in log order, with its transaction's kind and the
    account's owner (the collection point)."""
    query = (
        select(
            transactions.c.id.label("transaction_id"),
            transactions.c.log_index,
            transactions.c.kind,
            transactions.c.recorded_at,
            postings.c.account_id,
            accounts.c.owner_id.label("point_id"),
            postings.c.amount,
            postings.c.balance_after,
        )
        .select_from(
            postings.join(transactions, transactions.c.id == postings.c.transaction_id).join(
                accounts, accounts.c.id == postings.c.account_id
            )
        )
        .where(postings.c.unit == unit)
        .order_by(transactions.c.log_index, postings.c.seq)
    )
    # A page holds whole transactions: the first ``limit`` after ``after``.
    page = (
        select(transactions.c.log_index)
        .select_from(postings.join(transactions, transactions.c.id == postings.c.transaction_id))
        .where(postings.c.unit == unit)
        .group_by(transactions.c.log_index)
        .order_by(transactions.c.log_index)
        .limit(limit)
    )
    if after is not None:
        page = page.where(transactions.c.log_index > after)
    query = query.where(transactions.c.log_index.in_(page.scalar_subquery()))
    return [HistoryRow(**row._mapping) for row in await conn.execute(query)]


async def erase_member_gifts(conn: AsyncConnection, member_id: UUID) -> None:
    """GDPR erasure: the free text about a member's household goes; the gift stays."""
    await conn.execute(
        update(good_gifts).where(good_gifts.c.to_member == member_id).values(household=None)
    )
