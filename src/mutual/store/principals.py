"""Principals, their roles, and the bearer tokens that stand for them (stored as hashes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select

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
) -> None:
    async with db.writing() as conn:
        await conn.execute(
            tokens.insert().values(
                id=token_id,
                principal_id=principal_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=expires_at,
            )
        )


async def principal_for_token(
    db: Database, token_hash: bytes, *, now: datetime
) -> Principal | None:
    """The principal a live token stands for, or None for an unknown or expired token."""
    query = (
        select(tokens.c.principal_id, principal_roles.c.role)
        .outerjoin(principal_roles, principal_roles.c.principal_id == tokens.c.principal_id)
        .where(tokens.c.token_hash == token_hash)
        .where(or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now))
    )
    async with db.reading() as conn:
        rows = (await conn.execute(query)).all()
    if not rows:
        return None
    roles = frozenset(Role(r.role) for r in rows if r.role is not None)
    return Principal(PrincipalId(rows[0].principal_id), roles)
