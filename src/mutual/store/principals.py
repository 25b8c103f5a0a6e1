"""Principals, their roles, and the bearer tokens that stand for them (stored as hashes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, or_, select, update

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.store.database import Database
from mutual.store.tables import principal_roles, principals, tokens


async def principal_exists(db: Database, principal_id: UUID) -> bool:
    async with db.reading() as conn:
        found = await conn.scalar(select(principals.c.id).where(principals.c.id == principal_id))
    return found is not None


async def ensure_principal(
    db: Database, principal_id: PrincipalId, roles: Iterable[Role], *, now: datetime
) -> None:
    """Create the principal if new, and grant it ``roles`` (existing grants are kept)."""
    async with db.writing() as conn:
        exists = await conn.scalar(select(principals.c.id).where(principals.c.id == principal_id))
        if exists is None:
            await conn.execute(principals.insert().values(id=principal_id, created_at=now))
        held = set(
            (
                await conn.execute(
                    select(principal_roles.c.role).where(
                        principal_roles.c.principal_id == principal_id
                    )
                )
            ).scalars()
        )
        new = sorted({r.value for r in roles} - held)
        if new:
            await conn.execute(
                principal_roles.insert(), [{"principal_id": principal_id, "role": r} for r in new]
            )


async def insert_token(
    db: Database,
    token_id: UUID,
    principal_id: PrincipalId,
    token_hash: bytes,
    *,
    now: datetime,
    expires_at: datetime | None,
    name: str | None = None,
    scopes: Iterable[str] | None = None,
) -> None:
    async with db.writing() as conn:
        await conn.execute(
            tokens.insert().values(
                id=token_id,
                principal_id=principal_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=expires_at,
                name=name,
                scopes=None if scopes is None else sorted(scopes),
            )
        )


LAST_USED_STEP = timedelta(minutes=1)


LAST_USED_PRECISION = timedelta(minutes=1)


async def principal_for_token(
    db: Database, token_hash: bytes, *, now: datetime
) -> tuple[Principal, datetime | None] | None:
    """The principal a live token stands for (with the token's scopes) and when the
    token expires, or None for an unknown, expired or revoked token; notes its use."""
    query = (
        select(
            tokens.c.id,
            tokens.c.principal_id,
            tokens.c.scopes,
            tokens.c.last_used_at,
            tokens.c.expires_at,
            principal_roles.c.role,
        )
        .outerjoin(principal_roles, principal_roles.c.principal_id == tokens.c.principal_id)
        .where(tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None))
        .where(or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now))
    )
    async with db.reading() as conn:
        rows = (await conn.execute(query)).all()
    if not rows:
        return None
    last_used = rows[0].last_used_at
    # A minute is precise enough for "last used", and sparing the write transaction
    # (a commit, on SQLite the writer's lock) on most lookups keeps it off the hot path.
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        async with db.writing() as conn:
            await conn.execute(
                update(tokens).where(tokens.c.id == rows[0].id).values(last_used_at=now)
            )
    roles = frozenset(Role(r.role) for r in rows if r.role is not None)
    scopes = frozenset(rows[0].scopes or ())
    return Principal(PrincipalId(rows[0].principal_id), roles, scopes), rows[0].expires_at


@dataclass(frozen=True, slots=True)
class ServiceToken:
    id: UUID
    principal_id: UUID
    name: str | None
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _of_service_clients() -> ColumnElement[bool]:
    """Tokens of service clients only. Not ``scopes IS NOT NULL``: a JSON column stores
    a person's absent scopes as JSON ``null``, which SQL does not see as NULL."""
    return tokens.c.principal_id.in_(
        select(principal_roles.c.principal_id).where(principal_roles.c.role == Role.SERVICE.value)
    )


async def service_tokens(db: Database) -> list[ServiceToken]:
    """Every service client's token, newest first (never the token itself)."""
    query = (
        select(
            tokens.c.id,
            tokens.c.principal_id,
            tokens.c.name,
            tokens.c.scopes,
            tokens.c.created_at,
            tokens.c.expires_at,
            tokens.c.last_used_at,
            tokens.c.revoked_at,
        )
        .where(_of_service_clients())
        .order_by(tokens.c.created_at.desc(), tokens.c.id)
    )
    async with db.reading() as conn:
        rows = (await conn.execute(query)).all()
    return [ServiceToken(**{**r._mapping, "scopes": list(r.scopes or [])}) for r in rows]


async def revoke_token(db: Database, token_id: UUID, *, now: datetime) -> bool:
    """Revoke a service client's token; False when there is no such token. Revoking
    again keeps the first time."""
    async with db.writing() as conn:
        found = await conn.scalar(
            select(tokens.c.id).where(tokens.c.id == token_id, _of_service_clients())
        )
        if found is None:
            return False
        await conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return True


@dataclass(frozen=True, slots=True)
class Rotated:
    """A service client's new token's row, and until when the one it replaces holds."""

    principal_id: PrincipalId
    name: str | None
    scopes: list[str]
    previous_expires_at: datetime


async def rotate_token(
    db: Database,
    token_id: UUID,
    new_token_id: UUID,
    new_hash: bytes,
    *,
    now: datetime,
    overlap: timedelta,
    expires_at: datetime | None,
) -> Rotated | None:
    """Issue a service client's token a successor with its name and scopes, and cut the
    old one's life to ``now + overlap`` (never lengthened), in one transaction; None when
    there is no such live token."""
    async with db.writing() as conn:
        row = (
            await conn.execute(
                select(tokens).where(
                    tokens.c.id == token_id,
                    _of_service_clients(),
                    tokens.c.revoked_at.is_(None),
                    or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now),
                )
            )
        ).first()
        if row is None:
            return None
        ends = now + overlap if row.expires_at is None else min(row.expires_at, now + overlap)
        await conn.execute(update(tokens).where(tokens.c.id == token_id).values(expires_at=ends))
        await conn.execute(
            tokens.insert().values(
                id=new_token_id,
                principal_id=row.principal_id,
                token_hash=new_hash,
                created_at=now,
                expires_at=expires_at,
                name=row.name,
                scopes=row.scopes,
            )
        )
    return Rotated(PrincipalId(row.principal_id), row.name, list(row.scopes or []), ends)
