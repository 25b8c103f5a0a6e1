"""Time-bank tables: members' profiles, offers, proposals and notifications.

None of them is part of the ledger; what moves hours is always a signed transaction
written by the journal. Notifications are inserted at most once per (member, kind,
source), so deriving them again after a crash adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.timebank import Proposal, ProposalStatus
from mutual.store.accounts import account_of_row
from mutual.store.tables import (
    accounts,
    members,
    notification_progress,
    notifications,
    offers,
    postings,
    proposals,
    transactions,
)


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: PrincipalId
    status: str
    display_name: str | None
    neighbourhood: str | None
    contact: dict[str, dict[str, str]]
    languages: list[str]
    pact_signed_on: date | None
    account_id: AccountId | None
    applied_at: datetime
    decided_at: datetime | None
    updated_at: datetime
    charter_version: str | None = None
    number: int | None = None
    age_band: str | None = None


@dataclass(frozen=True, slots=True)
class OfferRecord:
    id: UUID
    member_id: PrincipalId
    direction: str
    title: str
    description: str
    category: str
    neighbourhood: str | None
    estimated_minutes: int | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    seq: int
    kind: str
    data: dict[str, Any]
    created_at: datetime


def _member(row: Row[Any]) -> MemberRecord:
    return MemberRecord(
        PrincipalId(row.id),
        row.status,
        row.display_name,
        row.neighbourhood,
        dict(row.contact),
        list(row.languages),
        row.pact_signed_on,
        None if row.account_id is None else AccountId(row.account_id),
        row.applied_at,
        row.decided_at,
        row.updated_at,
        row.charter_version,
        row.number,
        row.age_band,
    )


def _offer(row: Row[Any]) -> OfferRecord:
    return OfferRecord(
        row.id,
        PrincipalId(row.member_id),
        row.direction,
        row.title,
        row.description,
        row.category,
        row.neighbourhood,
        row.estimated_minutes,
        row.created_at,
        row.expires_at,
        row.closed_at,
        row.updated_at,
    )


def _proposal(row: Row[Any]) -> Proposal:
    return Proposal(
        TransactionId(row.id),
        PrincipalId(row.provider_id),
        PrincipalId(row.receiver_id),
        AccountId(row.provider_account),
        AccountId(row.receiver_account),
        row.minutes,
        row.created_at,
        row.expires_at,
        ProposalStatus(row.status),
        row.memo,
        row.memo_salt or b"",
        row.offer_id,
        row.category,
        row.reason,
        row.group_id,
    )


# Members


async def insert_member(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(members.insert().values(**values))


async def get_member(conn: AsyncConnection, member_id: UUID) -> MemberRecord | None:
    row = (await conn.execute(select(members).where(members.c.id == member_id))).first()
    return None if row is None else _member(row)


async def update_member(
    conn: AsyncConnection, member_id: UUID, values: Mapping[str, Any], *, status: str | None = None
) -> bool:
    """Update a member's row (only in ``status`` when given); False if nothing matched."""
    query = update(members).where(members.c.id == member_id).values(**values)
    if status is not None:
        query = query.where(members.c.status == status)
    return (await conn.execute(query)).rowcount == 1


# The advisory lock that orders member numbers (any constant of our own; "mutual#" in hex).
MEMBER_NUMBER_LOCK = 0x6D7574_75616C23


async def activate_member(
    conn: AsyncConnection, member_id: UUID, account_id: UUID, *, now: datetime
) -> bool:
    """An applied member becomes active with their account and the next free member
    number; False if they were not applied. Two acceptances racing on PostgreSQL may pick
    the same number: the unique index refuses the second, which the caller retries."""
    if conn.dialect.name == "postgresql":
        # Acceptances take the next number one at a time (held to the commit), so that the
        # demo's three hundred at once do not all collide on it and retry.
        await conn.execute(select(func.pg_advisory_xact_lock(MEMBER_NUMBER_LOCK)))
    next_number = select(func.coalesce(func.max(members.c.number), 0) + 1).scalar_subquery()
    query = (
        update(members)
        .where(members.c.id == member_id, members.c.status == "applied")
        .values(status="active", account_id=account_id, decided_at=now, number=next_number)
    )
    return (await conn.execute(query)).rowcount == 1


async def list_members(
    conn: AsyncConnection,
    *,
    status: str | None,
    after: UUID | None,
    limit: int,
    updated_since: datetime | None = None,
) -> list[MemberRecord]:
    query = select(members).order_by(members.c.id).limit(limit)
    if updated_since is not None:
        query = query.where(members.c.updated_at >= updated_since)
    if status is not None:
        query = query.where(members.c.status == status)
    if after is not None:
        query = query.where(members.c.id > after)
    return [_member(row) for row in await conn.execute(query)]


async def member_accounts_near(conn: AsyncConnection, *, margin: int) -> list[tuple[UUID, Account]]:
    """Active members whose TIME balance is within ``margin`` of a bound or beyond it."""
    query = (
        select(members.c.id.label("member_id"), accounts)
        .join(accounts, accounts.c.id == members.c.account_id)
        .where(
            members.c.status == "active",
            or_(
                and_(
                    accounts.c.balance_min.is_not(None),
                    accounts.c.balance - accounts.c.balance_min <= margin,
                ),
                and_(
                    accounts.c.balance_max.is_not(None),
                    accounts.c.balance_max - accounts.c.balance <= margin,
                ),
            ),
        )
        .order_by(members.c.id)
    )
    return [(row.member_id, account_of_row(row)) for row in await conn.execute(query)]


# Offers


async def insert_offer(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(offers.insert().values(**values))


async def get_offer(conn: AsyncConnection, offer_id: UUID) -> OfferRecord | None:
    row = (await conn.execute(select(offers).where(offers.c.id == offer_id))).first()
    return None if row is None else _offer(row)


async def update_offer(conn: AsyncConnection, offer_id: UUID, values: Mapping[str, Any]) -> None:
    await conn.execute(update(offers).where(offers.c.id == offer_id).values(**values))


@dataclass(frozen=True, slots=True)
class OfferFilter:
    """Which offers a search returns; by default every open one."""

    direction: str | None = None
    category: str | None = None
    neighbourhood: str | None = None
    member_id: UUID | None = None
    text: str | None = None
    include_closed: bool = False
    updated_since: datetime | None = None


async def search_offers(
    conn: AsyncConnection,
    where: OfferFilter,
    *,
    now: datetime,
    after: tuple[datetime, UUID] | None = None,
    limit: int,
) -> list[OfferRecord]:
    """Newest first; open ones only unless ``include_closed`` (closed or expired)."""
    query = select(offers).order_by(offers.c.created_at.desc(), offers.c.id.desc()).limit(limit)
    if where.updated_since is not None:
        query = query.where(offers.c.updated_at >= where.updated_since)
    if not where.include_closed:
        query = query.where(offers.c.closed_at.is_(None), offers.c.expires_at > now)
    for column, value in (
        (offers.c.direction, where.direction),
        (offers.c.category, where.category),
        (offers.c.neighbourhood, where.neighbourhood),
        (offers.c.member_id, where.member_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.text:
        pattern = f"%{where.text.lower()}%"
        query = query.where(
            or_(
                func.lower(offers.c.title).like(pattern),
                func.lower(offers.c.description).like(pattern),
            )
        )
    if after is not None:
        created, offer_id = after
        query = query.where(
            or_(
                offers.c.created_at < created,
                and_(offers.c.created_at == created, offers.c.id < offer_id),
            )
        )
    return [_offer(row) for row in await conn.execute(query)]


async def erase_member_offers(conn: AsyncConnection, member_id: UUID, now: datetime) -> None:
    """Close the member's offers and blank their free text."""
    await conn.execute(
        update(offers)
        .where(offers.c.member_id == member_id)
        .values(
            title="",
            description="",
            neighbourhood=None,
            closed_at=func.coalesce(offers.c.closed_at, now),
        )
    )


async def erase_member_proposals(conn: AsyncConnection, member_id: UUID) -> None:
    await conn.execute(
        update(proposals)
        .where(or_(proposals.c.provider_id == member_id, proposals.c.receiver_id == member_id))
        .values(memo="", memo_salt=None, reason=None)
    )


# Proposals


async def insert_proposal(conn: AsyncConnection, proposal: Proposal) -> None:
    await conn.execute(
        proposals.insert().values(
            id=proposal.id,
            provider_id=proposal.provider,
            receiver_id=proposal.receiver,
            provider_account=proposal.provider_account,
            receiver_account=proposal.receiver_account,
            minutes=proposal.minutes,
            memo=proposal.memo,
            memo_salt=proposal.memo_salt or None,
            offer_id=proposal.offer_id,
            category=proposal.category,
            status=proposal.status.value,
            reason=None,
            created_at=proposal.created_at,
            expires_at=proposal.expires_at,
            group_id=proposal.group,
        )
    )


async def group_proposals(conn: AsyncConnection, group_id: UUID) -> list[Proposal]:
    """The shares of a group exchange, in id order."""
    query = select(proposals).where(proposals.c.group_id == group_id).order_by(proposals.c.id)
    return [_proposal(row) for row in await conn.execute(query)]


async def get_proposal(conn: AsyncConnection, proposal_id: UUID) -> Proposal | None:
    row = (await conn.execute(select(proposals).where(proposals.c.id == proposal_id))).first()
    return None if row is None else _proposal(row)


def _not_recorded() -> Any:
    # The ledger wins: a proposal whose transaction landed is confirmed, whatever raced it.
    return ~exists().where(transactions.c.id == proposals.c.id)


async def set_proposal_status(
    conn: AsyncConnection,
    proposal_id: UUID,
    status: ProposalStatus,
    *,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Move a pending proposal to ``status``; False if it was no longer pending."""
    query = (
        update(proposals)
        .where(proposals.c.id == proposal_id, proposals.c.status == ProposalStatus.PENDING.value)
        .values(status=status.value, decided_at=now, reason=reason)
    )
    if status is not ProposalStatus.CONFIRMED:
        query = query.where(_not_recorded())
    return (await conn.execute(query)).rowcount == 1


async def confirm_proposals(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Mark confirmed the pending proposals whose transactions the batch recorded (the
    journal's side rows: ``id``, ``decided_at``); one already confirmed stays as it was."""
    await conn.execute(
        update(proposals)
        .where(
            proposals.c.id == bindparam("proposal"),
            proposals.c.status == ProposalStatus.PENDING.value,
        )
        .values(status=ProposalStatus.CONFIRMED.value, decided_at=bindparam("decided")),
        [{"proposal": r["id"], "decided": r["decided_at"]} for r in rows],
    )


def _due(now: datetime) -> Any:
    return (
        proposals.c.status == ProposalStatus.PENDING.value,
        proposals.c.expires_at <= now,
        _not_recorded(),
    )


async def any_due(conn: AsyncConnection, now: datetime) -> bool:
    """Whether a pending proposal is past its expiry (checked before taking a write lock)."""
    return bool(await conn.scalar(select(exists().where(*_due(now)))))


async def expire_due(conn: AsyncConnection, now: datetime) -> list[Proposal]:
    """Mark every pending proposal past its expiry as expired; return them."""
    rows = [_proposal(row) for row in await conn.execute(select(proposals).where(*_due(now)))]
    if rows:
        await conn.execute(
            update(proposals)
            .where(proposals.c.id.in_([p.id for p in rows]))
            .values(status=ProposalStatus.EXPIRED.value, decided_at=now)
        )
    return rows


async def list_proposals(
    conn: AsyncConnection,
    member_id: UUID | None,
    *,
    role: str | None,
    status: str | None,
    after: UUID | None,
    limit: int,
) -> list[Proposal]:
    query = select(proposals).order_by(proposals.c.id).limit(limit)
    if member_id is not None:
        if role == "provider":
            query = query.where(proposals.c.provider_id == member_id)
        elif role == "receiver":
            query = query.where(proposals.c.receiver_id == member_id)
        else:
            query = query.where(
                or_(proposals.c.provider_id == member_id, proposals.c.receiver_id == member_id)
            )
    if status is not None:
        query = query.where(proposals.c.status == status)
    if after is not None:
        query = query.where(proposals.c.id > after)
    return [_proposal(row) for row in await conn.execute(query)]


# Notifications


async def notify(
    conn: AsyncConnection,
    member_id: UUID,
    kind: str,
    data: Mapping[str, Any],
    *,
    source: str,
    now: datetime,
) -> bool:
    """Insert a notification unless this (member, kind, source) already has one; whether
    it did."""
    values = {
        "member_id": member_id,
        "kind": kind,
        "data": dict(data),
        "source": source,
        "created_at": now,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    result = await conn.execute(
        dialect.insert(notifications).values(**values).on_conflict_do_nothing()
    )
    return bool(result.rowcount == 1)


async def notify_many(
    conn: AsyncConnection,
    items: Sequence[tuple[UUID, str, Mapping[str, Any], str]],
    *,
    now: datetime,
) -> None:
    """``notify`` for each (member, kind, data, source), in order, in one statement."""
    if not items:
        return
    rows = [
        {"member_id": m, "kind": k, "data": dict(d), "source": s, "created_at": now}
        for m, k, d, s in items
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(dialect.insert(notifications).on_conflict_do_nothing(), rows)


async def read_notifications(
    conn: AsyncConnection,
    member_id: UUID,
    *,
    after: int,
    limit: int,
    hidden: frozenset[str] = frozenset(),
) -> list[NotificationRecord]:
    """The member's notifications after ``after``, but those of the ``hidden`` kinds."""
    query = (
        select(notifications)
        .where(notifications.c.member_id == member_id, notifications.c.seq > after)
        .order_by(notifications.c.seq)
        .limit(limit)
    )
    if hidden:
        query = query.where(notifications.c.kind.not_in(hidden))
    return [
        NotificationRecord(row.seq, row.kind, dict(row.data), row.created_at)
        for row in await conn.execute(query)
    ]


async def delete_notifications(conn: AsyncConnection, member_id: UUID) -> None:
    await conn.execute(notifications.delete().where(notifications.c.member_id == member_id))


# Notifications to one member that quote text another member wrote: by kind, the data
# key naming the author and the keys holding their words.
_QUOTED_TEXT = {
    "proposal_rejected": ("receiver", ("reason",)),
    "offer_message": ("sender", ("text",)),
}


async def erase_quoted_text(conn: AsyncConnection, author_id: UUID) -> None:
    """Remove the words ``author_id`` wrote from other members' notifications (which the
    gateway's outbox also reads); the notifications themselves stay."""
    query = select(notifications.c.seq, notifications.c.kind, notifications.c.data).where(
        notifications.c.kind.in_(_QUOTED_TEXT), notifications.c.member_id != author_id
    )
    for row in (await conn.execute(query)).all():
        author_key, text_keys = _QUOTED_TEXT[row.kind]
        data = dict(row.data)
        if data.get(author_key) != str(author_id):
            continue
        kept = {k: v for k, v in data.items() if k not in text_keys}
        await conn.execute(
            update(notifications).where(notifications.c.seq == row.seq).values(data=kept)
        )


@dataclass(frozen=True, slots=True)
class MemberPosting:
    log_index: int
    transaction_id: UUID
    kind: str
    references: str
    member_id: UUID
    amount: int
    balance_after: int
    balance_min: int | None
    balance_max: int | None


async def behind_the_log(conn: AsyncConnection) -> bool:
    """Whether transactions were recorded since notifications were last derived."""
    progress = select(notification_progress.c.next_log_index).where(notification_progress.c.id == 1)
    newer = exists().where(transactions.c.log_index >= progress.scalar_subquery())
    return bool(await conn.scalar(select(newer)))


async def claim_progress(conn: AsyncConnection) -> int:
    """The next log index to derive notifications from, locked until commit."""
    query = select(notification_progress.c.next_log_index).where(notification_progress.c.id == 1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int((await conn.execute(query)).scalar_one())


async def member_postings_from(
    conn: AsyncConnection, start: int, limit: int
) -> tuple[list[MemberPosting], int]:
    """Member TIME postings of the next ``limit`` transactions from log index ``start``;
    returns them and the log index to continue from."""
    txs = (
        select(transactions.c.id, transactions.c.log_index)
        .where(transactions.c.log_index >= start)
        .order_by(transactions.c.log_index)
        .limit(limit)
        .subquery()
    )
    last = (await conn.execute(select(func.max(txs.c.log_index)))).scalar_one_or_none()
    if last is None:
        return [], start
    query = (
        select(
            transactions.c.log_index,
            transactions.c.id,
            transactions.c.kind,
            transactions.c.references,
            members.c.id.label("member_id"),
            postings.c.amount,
            postings.c.balance_after,
            postings.c.balance_min,
            postings.c.balance_max,
        )
        .join(postings, postings.c.transaction_id == transactions.c.id)
        .join(members, members.c.account_id == postings.c.account_id)
        .where(transactions.c.log_index >= start, transactions.c.log_index <= last)
        .order_by(transactions.c.log_index, postings.c.seq)
    )
    rows = [MemberPosting(*row) for row in await conn.execute(query)]
    return rows, int(last) + 1


async def set_progress(conn: AsyncConnection, next_log_index: int) -> None:
    await conn.execute(
        update(notification_progress)
        .where(notification_progress.c.id == 1)
        .values(next_log_index=next_log_index)
    )


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    transaction_id: UUID
    recorded_at: datetime
    references: str
    minutes: int
    provider_account: UUID
    receiver_account: UUID


async def exchanges_for_report(conn: AsyncConnection) -> list[ExchangeRow]:
    """Every exchange not reversed, with its minutes and both member accounts."""
    reversed_ids = select(transactions.c.reverses).where(transactions.c.reverses.is_not(None))
    credit = postings.alias("credit")
    debit = postings.alias("debit")
    query = (
        select(
            transactions.c.id,
            transactions.c.recorded_at,
            transactions.c.references,
            credit.c.amount,
            credit.c.account_id,
            debit.c.account_id,
        )
        .join(credit, and_(credit.c.transaction_id == transactions.c.id, credit.c.amount > 0))
        .join(debit, and_(debit.c.transaction_id == transactions.c.id, debit.c.amount < 0))
        .where(transactions.c.kind == "exchange", transactions.c.id.not_in(reversed_ids))
        .order_by(transactions.c.log_index)
    )
    return [ExchangeRow(*row) for row in await conn.execute(query)]


async def report_counts(conn: AsyncConnection, now: datetime) -> dict[str, Any]:
    """Members (active, with an open offer) and proposals by status."""
    active = await conn.execute(
        select(members.c.id, members.c.account_id).where(members.c.status == "active")
    )
    with_offer = await conn.execute(
        select(offers.c.member_id)
        .where(offers.c.closed_at.is_(None), offers.c.expires_at > now)
        .distinct()
    )
    by_status = await conn.execute(
        select(proposals.c.status, func.count()).group_by(proposals.c.status)
    )
    return {
        "members": {row.id: row.account_id for row in active},
        "with_offer": {row.member_id for row in with_offer},
        "proposals": {row[0]: row[1] for row in by_status},
    }


async def members_of_accounts(conn: AsyncConnection, account_ids: list[AccountId]) -> list[UUID]:
    if not account_ids:
        return []
    query = select(members.c.id).where(members.c.account_id.in_(account_ids))
    return [row.id for row in await conn.execute(query)]
