"""Notices by e-mail: each member's choice, and the mail outbox, one row per notification
the mailer has taken in, with its delivery state (queued, sent, skipped, failed, expired),
its attempts and when the next one falls due.

The mailer takes notifications in by a cursor over their ``seq`` (``mail_progress``).
Sequence numbers are handed out when a row is inserted, not when it commits, so on
PostgreSQL a lower one may become visible after a higher one: ``take_in`` reads under a
SHARE lock on ``notifications``, which waits for the inserts in flight and holds new
ones back until it commits, so that nothing below the cursor can appear afterwards. On
SQLite writers take turns, and rows commit in their order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.mail import NoticeDelivery
from mutual.store.sign_in import credentials
from mutual.store.tables import UTCDateTime, members, metadata, notifications
from mutual.store.timebank import NotificationRecord

mail_preferences = Table(
    "mail_preferences",
    metadata,
    Column("member_id", Uuid, primary_key=True),
    Column("notices", String(16), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("notices IN ('immediate', 'digest', 'never')", name="notices_known"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("notification_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("member_id", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    # immediate: an e-mail of its own; digest: with the member's other notices of the
    # day; never: set aside (state skipped).
    Column("delivery", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    # When a queued row is next tried: its digest's hour, after a failure its back-off,
    # while a mailer holds it that mailer's lease.
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", String(400), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    CheckConstraint("delivery IN ('immediate', 'digest', 'never')", name="delivery_known"),
    CheckConstraint(
        "state IN ('queued', 'sent', 'skipped', 'failed', 'expired')", name="state_known"
    ),
    Index("ix_mail_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_mail_outbox_member_id", "member_id"),
)

# The last notification seq the mailer took in (one row).
mail_progress = Table(
    "mail_progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)


@dataclass(frozen=True, slots=True)
class NewNotice:
    """A notification not yet taken in, with its member's choice (None: never chose)."""

    seq: int
    member_id: UUID
    kind: str
    data: dict[str, Any]
    created_at: datetime
    chosen: NoticeDelivery | None


@dataclass(frozen=True, slots=True)
class Intake:
    """What becomes of a notification: queued (due at ``due``) or set aside as ``state``."""

    seq: int
    member_id: UUID
    kind: str
    delivery: NoticeDelivery
    state: str
    due: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    member_id: UUID
    kind: str
    delivery: NoticeDelivery
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class MailContact:
    """What an e-mail to a member needs: their name, languages, contact and login."""

    member_id: UUID
    status: str
    name: str | None
    languages: list[str]
    contact: dict[str, dict[str, str]]
    login: str | None


def _outbox_row(row: Any) -> OutboxRow:
    return OutboxRow(
        row.notification_seq,
        row.member_id,
        row.kind,
        NoticeDelivery(row.delivery),
        row.state,
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.sent_at,
    )


# Preferences


async def preference(conn: AsyncConnection, member_id: UUID) -> NoticeDelivery | None:
    query = select(mail_preferences.c.notices).where(mail_preferences.c.member_id == member_id)
    found = await conn.scalar(query)
    return None if found is None else NoticeDelivery(found)


async def set_preference(
    conn: AsyncConnection, member_id: UUID, notices: NoticeDelivery, *, now: datetime
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(mail_preferences).values(
        member_id=member_id, notices=notices.value, updated_at=now
    )
    await conn.execute(
        insert.on_conflict_do_update(
            index_elements=[mail_preferences.c.member_id],
            set_={"notices": notices.value, "updated_at": now},
        )
    )


async def requeue_member(
    conn: AsyncConnection, member_id: UUID, notices: NoticeDelivery, *, now: datetime
) -> None:
    """Apply a new choice to what waits for a member's digest: sent now (in one digest)
    for ``immediate``, set aside for ``never``."""
    waiting = update(mail_outbox).where(
        mail_outbox.c.member_id == member_id,
        mail_outbox.c.state == "queued",
        mail_outbox.c.delivery == NoticeDelivery.DIGEST.value,
    )
    if notices is NoticeDelivery.IMMEDIATE:
        await conn.execute(waiting.values(next_attempt_at=now))
    elif notices is NoticeDelivery.NEVER:
        await conn.execute(waiting.values(state="skipped", next_attempt_at=None))


async def forget_member(conn: AsyncConnection, member_id: UUID) -> None:
    """Erasure: the member's choice and the trace of their e-mails go."""
    await conn.execute(mail_outbox.delete().where(mail_outbox.c.member_id == member_id))
    await conn.execute(mail_preferences.delete().where(mail_preferences.c.member_id == member_id))


# Taking notifications in


async def last_taken(conn: AsyncConnection) -> int:
    query = select(mail_progress.c.last_seq).where(mail_progress.c.id == 1)
    return int((await conn.execute(query)).scalar_one())


async def newest_notification(conn: AsyncConnection) -> int:
    query = select(func.coalesce(func.max(notifications.c.seq), 0))
    return int((await conn.execute(query)).scalar_one())


async def claim_intake(conn: AsyncConnection) -> int:
    """Within a write transaction: the last seq taken in, with every notification below
    the newest one committed (see the module's docstring); one mailer at a time."""
    query = select(mail_progress.c.last_seq).where(mail_progress.c.id == 1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
        last = int((await conn.execute(query)).scalar_one())
        await conn.execute(text("LOCK TABLE notifications IN SHARE MODE"))
        return last
    return int((await conn.execute(query)).scalar_one())


async def new_notices(conn: AsyncConnection, after: int, limit: int) -> list[NewNotice]:
    query = (
        select(
            notifications.c.seq,
            notifications.c.member_id,
            notifications.c.kind,
            notifications.c.data,
            notifications.c.created_at,
            mail_preferences.c.notices,
        )
        .outerjoin(mail_preferences, mail_preferences.c.member_id == notifications.c.member_id)
        .where(notifications.c.seq > after)
        .order_by(notifications.c.seq)
        .limit(limit)
    )
    return [
        NewNotice(
            row.seq,
            row.member_id,
            row.kind,
            dict(row.data),
            row.created_at,
            None if row.notices is None else NoticeDelivery(row.notices),
        )
        for row in await conn.execute(query)
    ]


async def take_in(
    conn: AsyncConnection, intakes: Iterable[Intake], *, last_seq: int, now: datetime
) -> None:
    """Record the notices' fate and move the cursor to ``last_seq``, in the caller's
    transaction: a notification is taken in once, never skipped."""
    values = [
        {
            "notification_seq": i.seq,
            "member_id": i.member_id,
            "kind": i.kind,
            "delivery": i.delivery.value,
            "state": i.state,
            "attempts": 0,
            "next_attempt_at": i.due,
            "created_at": now,
        }
        for i in intakes
    ]
    if values:
        await conn.execute(mail_outbox.insert(), values)
    await conn.execute(
        update(mail_progress).where(mail_progress.c.id == 1).values(last_seq=last_seq)
    )


# Sending


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[OutboxRow]:
    """Queued rows whose time has come, oldest first."""
    query = (
        select(mail_outbox)
        .where(mail_outbox.c.state == "queued", mail_outbox.c.next_attempt_at <= now)
        .order_by(mail_outbox.c.notification_seq)
        .limit(limit)
    )
    return [_outbox_row(r) for r in await conn.execute(query)]


async def claim(
    conn: AsyncConnection, seqs: Collection[int], *, now: datetime, until: datetime
) -> set[int]:
    """Hold the rows still due until ``until``; the seqs this caller got. The due test is
    in the update, so of two mailers racing for a row exactly one gets it."""
    if not seqs:
        return set()
    taken = await conn.execute(
        update(mail_outbox)
        .where(
            mail_outbox.c.notification_seq.in_(list(seqs)),
            mail_outbox.c.state == "queued",
            mail_outbox.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .returning(mail_outbox.c.notification_seq)
    )
    return {int(seq) for seq in taken.scalars()}


async def finish(
    conn: AsyncConnection,
    seqs: Collection[int],
    *,
    state: str,
    attempts: int,
    now: datetime,
    error: str | None = None,
) -> None:
    """Close the rows of one e-mail: ``sent``, ``failed`` (refused for good) or
    ``expired``/``skipped`` (not worth sending)."""
    await conn.execute(
        update(mail_outbox)
        .where(mail_outbox.c.notification_seq.in_(list(seqs)), mail_outbox.c.state == "queued")
        .values(
            state=state,
            attempts=attempts,
            next_attempt_at=None,
            last_error=error,
            sent_at=now if state == "sent" else None,
        )
    )


async def back_off(
    conn: AsyncConnection, seqs: Collection[int], *, attempts: int, error: str, until: datetime
) -> None:
    """The rows of one e-mail the server did not take: tried again at ``until``."""
    await conn.execute(
        update(mail_outbox)
        .where(mail_outbox.c.notification_seq.in_(list(seqs)), mail_outbox.c.state == "queued")
        .values(attempts=attempts, next_attempt_at=until, last_error=error[:400])
    )


async def release(conn: AsyncConnection, seqs: Collection[int], *, now: datetime) -> None:
    """Hand back held rows (a mailer shutting down): due again at ``now``."""
    await conn.execute(
        update(mail_outbox)
        .where(mail_outbox.c.notification_seq.in_(list(seqs)), mail_outbox.c.state == "queued")
        .values(next_attempt_at=now)
    )


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the soonest queued row falls due."""
    found: datetime | None = await conn.scalar(
        select(func.min(mail_outbox.c.next_attempt_at)).where(mail_outbox.c.state == "queued")
    )
    return found


async def notices(conn: AsyncConnection, seqs: Collection[int]) -> list[NotificationRecord]:
    query = (
        select(notifications)
        .where(notifications.c.seq.in_(list(seqs)))
        .order_by(notifications.c.seq)
    )
    return [
        NotificationRecord(row.seq, row.kind, dict(row.data), row.created_at)
        for row in await conn.execute(query)
    ]


async def contacts(conn: AsyncConnection, member_ids: Collection[UUID]) -> dict[UUID, MailContact]:
    query = (
        select(
            members.c.id,
            members.c.status,
            members.c.display_name,
            members.c.languages,
            members.c.contact,
            credentials.c.login,
        )
        .outerjoin(credentials, credentials.c.principal_id == members.c.id)
        .where(members.c.id.in_(list(member_ids)))
    )
    return {
        row.id: MailContact(
            row.id,
            row.status,
            row.display_name,
            list(row.languages),
            dict(row.contact),
            row.login,
        )
        for row in await conn.execute(query)
    }


async def outbox_of(conn: AsyncConnection, member_id: UUID) -> list[OutboxRow]:
    """A member's rows, oldest first (what was e-mailed to them, and how)."""
    query = (
        select(mail_outbox)
        .where(mail_outbox.c.member_id == member_id)
        .order_by(mail_outbox.c.notification_seq)
    )
    return [_outbox_row(r) for r in await conn.execute(query)]


async def backlog(conn: AsyncConnection) -> int:
    """Queued rows, due or not."""
    found = await conn.scalar(
        select(func.count()).select_from(mail_outbox).where(mail_outbox.c.state == "queued")
    )
    return int(found or 0)
