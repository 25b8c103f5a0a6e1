"""People's sign-in: a login with a memory-hard password hash, one-time sign-in links
(stored as hashes), and server-side sessions (the cookie holds a random id, stored as
its hash, with the session's CSRF token). Also the notification outbox the territory's
mail/SMS gateway reads, every member's feed in one stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Uuid,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.store.tables import UTCDateTime, members, metadata, notifications, principal_roles

credentials = Table(
    "credentials",
    metadata,
    Column("principal_id", Uuid, ForeignKey("principals.id"), primary_key=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("password_hash", String(400), nullable=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_sign_in_links_principal_id", "principal_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", LargeBinary(32), primary_key=True),
    Column("principal_id", Uuid, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_sessions_principal_id", "principal_id"),
)


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    principal_id: PrincipalId
    login: str
    password_hash: str | None
    failed_attempts: int
    locked_until: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A live session: who it stands for (with their roles now) and its CSRF token."""

    id_hash: bytes
    principal: Principal
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A notification with what a gateway needs to deliver it: the member's contact and
    languages."""

    seq: int
    member_id: PrincipalId
    kind: str
    data: dict[str, Any]
    created_at: datetime
    contact: dict[str, dict[str, str]]
    languages: list[str]


def _credential(row: Row[Any]) -> CredentialRecord:
    return CredentialRecord(
        PrincipalId(row.principal_id),
        row.login,
        row.password_hash,
        row.failed_attempts,
        row.locked_until,
        row.updated_at,
    )


# Credentials


async def credential_of(conn: AsyncConnection, principal_id: UUID) -> CredentialRecord | None:
    query = select(credentials).where(credentials.c.principal_id == principal_id)
    row = (await conn.execute(query)).first()
    return None if row is None else _credential(row)


async def credential_by_login(conn: AsyncConnection, login: str) -> CredentialRecord | None:
    row = (await conn.execute(select(credentials).where(credentials.c.login == login))).first()
    return None if row is None else _credential(row)


async def save_credentials(
    conn: AsyncConnection,
    principal_id: UUID,
    *,
    login: str,
    password_hash: str | None,
    now: datetime,
) -> bool:
    """Set the principal's login and password hash, clearing failures and any lock;
    False (nothing written) when another principal holds the login."""
    values = {
        "login": login,
        "password_hash": password_hash,
        "failed_attempts": 0,
        "locked_until": None,
        "updated_at": now,
    }
    exists_already = await credential_of(conn, principal_id) is not None
    try:
        # A savepoint: on PostgreSQL a failed statement would otherwise doom the whole
        # transaction, and two principals may race for one login.
        async with conn.begin_nested():
            if exists_already:
                await conn.execute(
                    update(credentials)
                    .where(credentials.c.principal_id == principal_id)
                    .values(**values)
                )
            else:
                await conn.execute(credentials.insert().values(principal_id=principal_id, **values))
    except IntegrityError:
        return False
    return True


async def note_failure(
    conn: AsyncConnection, principal_id: UUID, *, max_failures: int, lock_until: datetime
) -> None:
    """Count a failed sign-in; the ``max_failures``-th locks the login until
    ``lock_until`` and starts the count afresh for after the lock."""
    count = (
        await conn.execute(
            update(credentials)
            .where(credentials.c.principal_id == principal_id)
            .values(failed_attempts=credentials.c.failed_attempts + 1)
            .returning(credentials.c.failed_attempts)
        )
    ).scalar_one()
    if count >= max_failures:
        await conn.execute(
            update(credentials)
            .where(credentials.c.principal_id == principal_id)
            .values(failed_attempts=0, locked_until=lock_until)
        )


async def note_success(
    conn: AsyncConnection, principal_id: UUID, *, rehashed: str | None = None
) -> None:
    """Forget earlier failures; store the password's new hash when it was rehashed (its
    ``updated_at`` stays: the password itself did not change)."""
    values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
    if rehashed is not None:
        values["password_hash"] = rehashed
    await conn.execute(
        update(credentials).where(credentials.c.principal_id == principal_id).values(**values)
    )


# Sessions


async def roles_of(conn: AsyncConnection, principal_id: UUID) -> frozenset[Role]:
    query = select(principal_roles.c.role).where(principal_roles.c.principal_id == principal_id)
    return frozenset(Role(r) for r in (await conn.execute(query)).scalars())


async def insert_session(
    conn: AsyncConnection,
    id_hash: bytes,
    principal_id: UUID,
    *,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        sessions.insert().values(
            id_hash=id_hash,
            principal_id=principal_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def session_for(
    conn: AsyncConnection, id_hash: bytes, *, now: datetime
) -> OpenSession | None:
    """The live session with this id hash (not ended, not expired), or None."""
    query = select(sessions.c.principal_id, sessions.c.csrf_token, sessions.c.expires_at).where(
        sessions.c.id_hash == id_hash,
        sessions.c.revoked_at.is_(None),
        sessions.c.expires_at > now,
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    roles = await roles_of(conn, row.principal_id)
    principal = Principal(PrincipalId(row.principal_id), roles)
    return OpenSession(id_hash, principal, row.csrf_token, row.expires_at)


async def end_session(conn: AsyncConnection, id_hash: bytes, *, now: datetime) -> None:
    await conn.execute(
        update(sessions)
        .where(sessions.c.id_hash == id_hash, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def end_sessions_of(
    conn: AsyncConnection, principal_id: UUID, *, now: datetime, keep: bytes | None
) -> None:
    """End every open session of the principal but ``keep``."""
    query = (
        update(sessions)
        .where(sessions.c.principal_id == principal_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if keep is not None:
        query = query.where(sessions.c.id_hash != keep)
    await conn.execute(query)


async def forget_principal(conn: AsyncConnection, principal_id: UUID, *, now: datetime) -> None:
    """Erasure: the login (often an e-mail address) and the password hash go, open
    sessions end and unused links are spent."""
    await conn.execute(credentials.delete().where(credentials.c.principal_id == principal_id))
    await end_sessions_of(conn, principal_id, now=now, keep=None)
    await conn.execute(
        update(sign_in_links)
        .where(sign_in_links.c.principal_id == principal_id, sign_in_links.c.used_at.is_(None))
        .values(used_at=now)
    )


# One-time sign-in links


async def insert_link(
    conn: AsyncConnection,
    link_id: UUID,
    principal_id: UUID,
    token_hash: bytes,
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        sign_in_links.insert().values(
            id=link_id,
            principal_id=principal_id,
            token_hash=token_hash,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def use_link(conn: AsyncConnection, token_hash: bytes, *, now: datetime) -> UUID | None:
    """Mark the link used and return its principal, or None when it is unknown, used or
    expired. A single conditional update, so two redemptions racing cannot both win."""
    principal_id: UUID | None = (
        await conn.execute(
            update(sign_in_links)
            .where(
                sign_in_links.c.token_hash == token_hash,
                sign_in_links.c.used_at.is_(None),
                sign_in_links.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(sign_in_links.c.principal_id)
        )
    ).scalar_one_or_none()
    return principal_id


# The notification outbox


async def notifications_after(
    conn: AsyncConnection, *, after: int, limit: int
) -> list[OutboxRecord]:
    """Every member's notifications after ``after``, oldest first."""
    query = (
        select(
            notifications.c.seq,
            notifications.c.member_id,
            notifications.c.kind,
            notifications.c.data,
            notifications.c.created_at,
            members.c.contact,
            members.c.languages,
        )
        .join(members, members.c.id == notifications.c.member_id)
        .where(notifications.c.seq > after)
        .order_by(notifications.c.seq)
        .limit(limit)
    )
    return [
        OutboxRecord(
            row.seq,
            PrincipalId(row.member_id),
            row.kind,
            dict(row.data),
            row.created_at,
            dict(row.contact),
            list(row.languages),
        )
        for row in await conn.execute(query)
    ]
