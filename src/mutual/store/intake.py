"""Intake's tables: members' consents to tools, and what each tool recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import intake_consents, intake_records, offers


@dataclass(frozen=True, slots=True)
class Consent:
    client_id: UUID
    granted_at: datetime
    withdrawn_at: datetime | None


async def grant(conn: AsyncConnection, member_id: UUID, client_id: UUID, now: datetime) -> None:
    """Consent (again, after a withdrawal: from now)."""
    found = await conn.scalar(
        select(intake_consents.c.member_id).where(
            intake_consents.c.member_id == member_id, intake_consents.c.client_id == client_id
        )
    )
    if found is None:
        await conn.execute(
            intake_consents.insert().values(
                member_id=member_id, client_id=client_id, granted_at=now, withdrawn_at=None
            )
        )
        return
    await conn.execute(
        update(intake_consents)
        .where(
            intake_consents.c.member_id == member_id,
            intake_consents.c.client_id == client_id,
            intake_consents.c.withdrawn_at.is_not(None),
        )
        .values(granted_at=now, withdrawn_at=None)
    )


async def withdraw(conn: AsyncConnection, member_id: UUID, client_id: UUID, now: datetime) -> bool:
    done = await conn.execute(
        update(intake_consents)
        .where(
            intake_consents.c.member_id == member_id,
            intake_consents.c.client_id == client_id,
            intake_consents.c.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
    return done.rowcount == 1


async def consents_of(conn: AsyncConnection, member_id: UUID) -> list[Consent]:
    rows = await conn.execute(
        select(
            intake_consents.c.client_id,
            intake_consents.c.granted_at,
            intake_consents.c.withdrawn_at,
        )
        .where(intake_consents.c.member_id == member_id)
        .order_by(intake_consents.c.granted_at, intake_consents.c.client_id)
    )
    return [Consent(*r) for r in rows]


async def consents(conn: AsyncConnection, member_id: UUID, client_id: UUID) -> bool:
    """Whether the member's consent to the tool holds now (read in the writing
    transaction, so a withdrawal committed before it is seen)."""
    found = await conn.scalar(
        select(intake_consents.c.member_id).where(
            intake_consents.c.member_id == member_id,
            intake_consents.c.client_id == client_id,
            intake_consents.c.withdrawn_at.is_(None),
        )
    )
    return found is not None


async def record(
    conn: AsyncConnection,
    *,
    offer_id: UUID,
    member_id: UUID,
    client_id: UUID,
    neighbourhood: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        intake_records.insert().values(
            offer_id=offer_id,
            member_id=member_id,
            client_id=client_id,
            neighbourhood=neighbourhood,
            recorded_at=now,
        )
    )


@dataclass(frozen=True, slots=True)
class Recorded:
    offer_id: UUID
    member_id: UUID
    client_id: UUID
    neighbourhood: str | None
    recorded_at: datetime
    direction: str
    title: str
    category: str


async def recorded(
    conn: AsyncConnection,
    *,
    neighbourhood: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int | None,
) -> list[Recorded]:
    """What tools recorded, oldest first, for one neighbourhood or all."""
    query = select(
        intake_records.c.offer_id,
        intake_records.c.member_id,
        intake_records.c.client_id,
        intake_records.c.neighbourhood,
        intake_records.c.recorded_at,
        offers.c.direction,
        offers.c.title,
        offers.c.category,
    ).join(offers, offers.c.id == intake_records.c.offer_id)
    if neighbourhood is not None:
        query = query.where(intake_records.c.neighbourhood == neighbourhood)
    if after is not None:
        at, offer_id = after
        query = query.where(
            (intake_records.c.recorded_at > at)
            | ((intake_records.c.recorded_at == at) & (intake_records.c.offer_id > offer_id))
        )
    query = query.order_by(intake_records.c.recorded_at, intake_records.c.offer_id)
    if limit is not None:
        query = query.limit(limit)
    return [Recorded(*r) for r in await conn.execute(query)]


async def forget_member(conn: AsyncConnection, member_id: UUID) -> None:
    """On erasure: their consents and what tools recorded of them (the offers' text is
    erased with their other offers)."""
    await conn.execute(delete(intake_consents).where(intake_consents.c.member_id == member_id))
    await conn.execute(delete(intake_records).where(intake_records.c.member_id == member_id))
