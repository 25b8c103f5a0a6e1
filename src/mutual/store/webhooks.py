"""Webhook subscriptions (each with its cursor: the last log index delivered) and the
log of every delivery attempt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Uuid,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from mutual.store.database import Database
from mutual.store.tables import UTCDateTime, ledger_head, metadata
from mutual.store.timebank import notify

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("event_types", JSON, nullable=True),
    Column("cursor", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
    # The owner's Idempotency-Key at creation and the digest of the request it named.
    Column("idempotency_key", String(200), nullable=True),
    Column("request_sha256", String(64), nullable=True),
    # After a roll, the previous secret still signs until ``previous_secret_until``.
    Column("previous_secret", String(200), nullable=True),
    Column("previous_secret_until", UTCDateTime(), nullable=True),
    # The first failed attempt since the last acknowledged one (None: not failing).
    Column("failing_since", UTCDateTime(), nullable=True),
    # "owner" (asked for) or "failing" (its receiver failed for too long).
    Column("disabled_reason", String(16), nullable=True),
    Index("ix_webhook_subscriptions_owner_id", "owner_id"),
    Index(
        "ux_webhook_subscriptions_owner_id_idempotency_key",
        "owner_id",
        "idempotency_key",
        unique=True,
    ),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subscription_id", Uuid, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", UTCDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(400), nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("replay", Boolean, nullable=False),
    Index("ix_webhook_deliveries_subscription_id", "subscription_id"),
)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: UUID
    owner_id: UUID
    url: str
    secret: str
    # None: every event; else the exact event types delivered (a filter's expansion).
    event_types: list[str] | None
    # The last log index delivered (or passed over by the filter); -1 before the first.
    cursor: int
    failures: int
    next_attempt_at: datetime | None
    created_at: datetime
    disabled_at: datetime | None
    idempotency_key: str | None = None
    request_sha256: str | None = None
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failing_since: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: UUID
    subscription_id: UUID
    event_id: str
    log_index: int
    attempt: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    replay: bool


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(**row._mapping)


async def insert_subscription(db: Database, subscription: Subscription) -> Subscription:
    """Insert, or (the owner's Idempotency-Key already used) the subscription created
    first with it: of two creations racing with one key, the unique index lets one in."""
    try:
        async with db.writing() as conn:
            await conn.execute(webhook_subscriptions.insert().values(**asdict(subscription)))
    except IntegrityError:
        if subscription.idempotency_key is None:
            raise
        found = await by_idempotency_key(db, subscription.owner_id, subscription.idempotency_key)
        if found is None:
            raise
        return found
    return subscription


async def by_idempotency_key(db: Database, owner_id: UUID, key: str) -> Subscription | None:
    async with db.reading() as conn:
        row = (
            await conn.execute(
                select(webhook_subscriptions).where(
                    webhook_subscriptions.c.owner_id == owner_id,
                    webhook_subscriptions.c.idempotency_key == key,
                )
            )
        ).first()
    return None if row is None else _subscription(row)


async def update(db: Database, subscription_id: UUID, values: Mapping[str, Any]) -> None:
    """Change what the owner may change (its URL, filter, secret, being enabled)."""
    async with db.writing() as conn:
        await conn.execute(
            webhook_subscriptions.update()
            .where(webhook_subscriptions.c.id == subscription_id)
            .values(**values)
        )


async def subscriptions(db: Database, *, owner_id: UUID | None) -> list[Subscription]:
    """Oldest first; one owner's, or everyone's."""
    query = select(webhook_subscriptions).order_by(
        webhook_subscriptions.c.created_at, webhook_subscriptions.c.id
    )
    if owner_id is not None:
        query = query.where(webhook_subscriptions.c.owner_id == owner_id)
    async with db.reading() as conn:
        return [_subscription(r) for r in await conn.execute(query)]


async def subscription(db: Database, subscription_id: UUID) -> Subscription | None:
    async with db.reading() as conn:
        row = (
            await conn.execute(
                select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
            )
        ).first()
    return None if row is None else _subscription(row)


async def disable(db: Database, subscription_id: UUID, at: datetime) -> None:
    """Disable once: a second call keeps the first time."""
    async with db.writing() as conn:
        await conn.execute(
            webhook_subscriptions.update()
            .where(
                webhook_subscriptions.c.id == subscription_id,
                webhook_subscriptions.c.disabled_at.is_(None),
            )
            .values(disabled_at=at, next_attempt_at=None, disabled_reason="owner")
        )


async def rewind(db: Database, subscription_id: UUID, cursor: int) -> None:
    """Deliver again from ``cursor + 1`` at once, whatever a delivery in flight does: its
    next step compares the cursor it started from and stops."""
    async with db.writing() as conn:
        await conn.execute(
            webhook_subscriptions.update()
            .where(webhook_subscriptions.c.id == subscription_id)
            .values(cursor=cursor, failures=0, next_attempt_at=None, failing_since=None)
        )


async def pending(db: Database) -> list[Subscription]:
    """Enabled subscriptions with log entries past their cursor, due or not."""
    async with db.reading() as conn:
        size = select(ledger_head.c.tree_size).where(ledger_head.c.id == 1).scalar_subquery()
        query = select(webhook_subscriptions).where(
            webhook_subscriptions.c.disabled_at.is_(None),
            webhook_subscriptions.c.cursor < size - 1,
        )
        return [_subscription(r) for r in await conn.execute(query)]


async def claim(
    db: Database, subscription_id: UUID, *, now: datetime, until: datetime
) -> Subscription | None:
    """Take a due subscription for delivery until ``until``, or None when another
    process (or task) took it first, or it is not due, or it was disabled.

    The due test is in the update itself, so of two processes racing for one
    subscription exactly one changes the row."""
    async with db.writing() as conn:
        taken = await conn.execute(
            webhook_subscriptions.update()
            .where(
                webhook_subscriptions.c.id == subscription_id,
                webhook_subscriptions.c.disabled_at.is_(None),
                or_(
                    webhook_subscriptions.c.next_attempt_at.is_(None),
                    webhook_subscriptions.c.next_attempt_at <= now,
                ),
            )
            .values(next_attempt_at=until)
        )
        if taken.rowcount != 1:
            return None
        row = (
            await conn.execute(
                select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
            )
        ).one()
    return _subscription(row)


async def delivered_through(db: Database, subscription_id: UUID) -> tuple[int, frozenset[str]]:
    """The highest log index a receiver acknowledged (-1: none) and the ids of the events
    at that index it acknowledged (an entry yields several): anything delivered again up
    to them is a replay."""
    acknowledged = and_(
        webhook_deliveries.c.subscription_id == subscription_id,
        webhook_deliveries.c.status_code >= 200,
        webhook_deliveries.c.status_code < 300,
    )
    async with db.reading() as conn:
        found = await conn.scalar(
            select(func.max(webhook_deliveries.c.log_index)).where(acknowledged)
        )
        if found is None:
            return -1, frozenset()
        ids = await conn.scalars(
            select(webhook_deliveries.c.event_id).where(
                acknowledged, webhook_deliveries.c.log_index == found
            )
        )
        return int(found), frozenset(ids)


def _held(subscription_id: UUID, cursor: int) -> ColumnElement[bool]:
    """The subscription is still as the delivery left it: enabled, cursor unmoved."""
    return and_(
        webhook_subscriptions.c.id == subscription_id,
        webhook_subscriptions.c.cursor == cursor,
        webhook_subscriptions.c.disabled_at.is_(None),
    )


async def record_attempt(
    db: Database,
    delivery: Delivery,
    *,
    cursor: int,
    new_cursor: int,
    failures: int,
    next_attempt_at: datetime | None,
    failing_since: datetime | None,
    give_up: Notice | None = None,
) -> bool:
    """Log an attempt and, in the same transaction, move the subscription on (or back
    off); False when it was disabled or rewound meanwhile (the attempt is logged all the
    same: it happened). With ``give_up``, the receiver has failed for too long: the
    subscription is disabled and its owner told, in that same transaction."""
    values: dict[str, Any] = {
        "cursor": new_cursor,
        "failures": failures,
        "next_attempt_at": next_attempt_at,
        "failing_since": failing_since,
    }
    if give_up is not None:
        values |= {"disabled_at": give_up.at, "disabled_reason": "failing", "next_attempt_at": None}
    async with db.writing() as conn:
        await conn.execute(webhook_deliveries.insert().values(**asdict(delivery)))
        moved = await conn.execute(
            webhook_subscriptions.update()
            .where(_held(delivery.subscription_id, cursor))
            .values(**values)
        )
        if give_up is not None and moved.rowcount == 1:
            await notify(
                conn,
                give_up.owner_id,
                give_up.kind,
                give_up.data,
                source=give_up.source,
                now=give_up.at,
            )
    return moved.rowcount == 1


@dataclass(frozen=True, slots=True)
class Notice:
    """What the owner of a webhook is told when it is disabled for failing."""

    owner_id: UUID
    kind: str
    data: dict[str, Any]
    source: str
    at: datetime


async def move_on(
    db: Database,
    subscription_id: UUID,
    *,
    cursor: int,
    new_cursor: int,
    next_attempt_at: datetime | None,
) -> bool:
    """Pass entries the filter leaves out, or (``next_attempt_at`` None, cursor kept)
    release a subscription whose delivery caught up."""
    async with db.writing() as conn:
        moved = await conn.execute(
            webhook_subscriptions.update()
            .where(_held(subscription_id, cursor))
            .values(cursor=new_cursor, next_attempt_at=next_attempt_at)
        )
    return moved.rowcount == 1


async def deliveries(
    db: Database, subscription_id: UUID, *, after: UUID | None, limit: int
) -> list[Delivery]:
    """Oldest first (ids are UUIDv7, so they sort by time), after a cursor."""
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.subscription_id == subscription_id)
        .order_by(webhook_deliveries.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(webhook_deliveries.c.id > after)
    async with db.reading() as conn:
        return [Delivery(**r._mapping) for r in await conn.execute(query)]


async def backlogs(db: Database) -> dict[UUID, int]:
    """Log entries past each enabled subscription's cursor."""
    async with db.reading() as conn:
        size = select(ledger_head.c.tree_size).where(ledger_head.c.id == 1).scalar_subquery()
        rows = await conn.execute(
            select(webhook_subscriptions.c.id, size - 1 - webhook_subscriptions.c.cursor).where(
                webhook_subscriptions.c.disabled_at.is_(None)
            )
        )
        return {r[0]: int(r[1]) for r in rows}


async def backlog(db: Database) -> int:
    """Log entries past the cursors of enabled subscriptions, summed."""
    async with db.reading() as conn:
        size = select(ledger_head.c.tree_size).where(ledger_head.c.id == 1).scalar_subquery()
        found = await conn.scalar(
            select(func.coalesce(func.sum(size - 1 - webhook_subscriptions.c.cursor), 0)).where(
                webhook_subscriptions.c.disabled_at.is_(None)
            )
        )
    return int(found or 0)
