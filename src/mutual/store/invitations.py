"""Invitations and password resets: one-time secrets kept only as their SHA-256 hashes.

An invitation (made when a coordinator accepts an application) carries two secrets for
one use: a long token for the link and a short code a person can read out or type.
A password reset carries a short code, tied to one principal. Both are spent by a single
conditional update, so two redemptions racing cannot both win, and a wrong code writes
nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    LargeBinary,
    Table,
    Uuid,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import UTCDateTime, metadata

invitations = Table(
    "invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("code_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_invitations_member_id", "member_id"),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False),
    Column("code_hash", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_password_resets_principal_id", "principal_id"),
)


async def insert_invitation(
    conn: AsyncConnection,
    invitation_id: UUID,
    member_id: UUID,
    *,
    token_hash: bytes,
    code_hash: bytes,
    now: datetime,
    expires_at: datetime,
) -> None:
    """A new invitation; the member's earlier unused ones are spent (one live at a time)."""
    await spend_invitations_of(conn, member_id, now=now)
    await conn.execute(
        invitations.insert().values(
            id=invitation_id,
            member_id=member_id,
            token_hash=token_hash,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
        )
    )


def _live_invitation(hashes: tuple[bytes, bytes], now: datetime) -> list[ColumnElement[bool]]:
    token_hash, code_hash = hashes
    return [
        or_(invitations.c.token_hash == token_hash, invitations.c.code_hash == code_hash),
        invitations.c.used_at.is_(None),
        invitations.c.expires_at > now,
    ]


async def live_invitation(
    conn: AsyncConnection, hashes: tuple[bytes, bytes], *, now: datetime
) -> UUID | None:
    """The member a live invitation with this token's or code's hash is for."""
    query = select(invitations.c.member_id).where(*_live_invitation(hashes, now))
    member_id: UUID | None = (await conn.execute(query)).scalar_one_or_none()
    return member_id


async def use_invitation(
    conn: AsyncConnection, hashes: tuple[bytes, bytes], *, now: datetime
) -> UUID | None:
    """Spend the live invitation with this token's or code's hash; its member, or None."""
    member_id: UUID | None = (
        await conn.execute(
            update(invitations)
            .where(*_live_invitation(hashes, now))
            .values(used_at=now)
            .returning(invitations.c.member_id)
        )
    ).scalar_one_or_none()
    return member_id


async def spend_invitations_of(conn: AsyncConnection, member_id: UUID, *, now: datetime) -> None:
    await conn.execute(
        update(invitations)
        .where(invitations.c.member_id == member_id, invitations.c.used_at.is_(None))
        .values(used_at=now)
    )


async def insert_reset(
    conn: AsyncConnection,
    reset_id: UUID,
    principal_id: UUID,
    *,
    code_hash: bytes,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        password_resets.insert().values(
            id=reset_id,
            principal_id=principal_id,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
        )
    )


def _live_reset(principal_id: UUID, code_hash: bytes, now: datetime) -> list[ColumnElement[bool]]:
    return [
        password_resets.c.principal_id == principal_id,
        password_resets.c.code_hash == code_hash,
        password_resets.c.used_at.is_(None),
        password_resets.c.expires_at > now,
    ]


async def live_reset(
    conn: AsyncConnection, principal_id: UUID, code_hash: bytes, *, now: datetime
) -> bool:
    query = select(password_resets.c.id).where(*_live_reset(principal_id, code_hash, now))
    return (await conn.execute(query.limit(1))).first() is not None


async def use_reset(
    conn: AsyncConnection, principal_id: UUID, code_hash: bytes, *, now: datetime
) -> bool:
    """Spend the principal's live reset with this code, and every other one they hold
    (a password just chosen makes them moot); whether there was one."""
    used = (
        await conn.execute(
            update(password_resets)
            .where(*_live_reset(principal_id, code_hash, now))
            .values(used_at=now)
            .returning(password_resets.c.id)
        )
    ).first()
    if used is not None:
        await spend_resets_of(conn, principal_id, now=now)
    return used is not None


async def spend_resets_of(conn: AsyncConnection, principal_id: UUID, *, now: datetime) -> None:
    await conn.execute(
        update(password_resets)
        .where(password_resets.c.principal_id == principal_id, password_resets.c.used_at.is_(None))
        .values(used_at=now)
    )
