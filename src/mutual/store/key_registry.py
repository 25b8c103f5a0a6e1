"""The custody rules' part of the key registry, for the journal's one transaction: every
key of the principals a batch's key events name, their recoveries, and the latest signed
time of a recovery entry (``core.key_custody``); the recoveries' rows it writes; and the
erasable free-text notes of key events (the log signs only a reason code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.ids import PrincipalId
from mutual.core.registry import Recovery, RecoveryStatus
from mutual.store.tables import custodians, key_event_notes, key_recoveries, signing_keys


def recovery_of(row: Any) -> Recovery:
    return Recovery(
        row.id,
        PrincipalId(row.principal_id),
        bytes(row.public_key),
        PrincipalId(row.by_id),
        row.at,
        row.wait_seconds,
        row.requested_at,
        RecoveryStatus(row.status),
        row.closed_at,
        row.completed_time,
    )


async def load_member_custody(
    conn: AsyncConnection, principals: set[PrincipalId]
) -> tuple[list[Any], dict[Any, Recovery], datetime | None]:
    """The principals' stored keys (rows, valid or not) and recoveries, and the latest
    recovery time in the log; read under the writer's lock, like the rest of the batch."""
    if not principals:
        return [], {}, None
    keys = list(
        await conn.execute(select(signing_keys).where(signing_keys.c.principal_id.in_(principals)))
    )
    found = {
        row.id: recovery_of(row)
        for row in await conn.execute(
            select(key_recoveries).where(key_recoveries.c.principal_id.in_(principals))
        )
    }
    latest = (
        await conn.execute(
            select(func.max(key_recoveries.c.at), func.max(key_recoveries.c.completed_time))
        )
    ).one()
    times = [t for t in latest if t is not None]
    return keys, found, max(times, default=None)


async def write_recovery(conn: AsyncConnection, recovery: Recovery) -> None:
    if recovery.status is RecoveryStatus.PENDING:
        await conn.execute(
            key_recoveries.insert().values(
                id=recovery.id,
                principal_id=recovery.principal,
                public_key=recovery.public_key,
                by_id=recovery.by,
                at=recovery.at,
                wait_seconds=recovery.wait,
                requested_at=recovery.requested_at,
                status=recovery.status.value,
            )
        )
        return
    await conn.execute(
        update(key_recoveries)
        .where(key_recoveries.c.id == recovery.id)
        .values(
            status=recovery.status.value,
            closed_at=recovery.closed_at,
            completed_time=recovery.completed_time,
        )
    )


async def keep_key_note(
    conn: AsyncConnection, event_id: UUID, principal_id: UUID, note: str
) -> None:
    """A key event's free text, once: a replay of the same event keeps the first note."""
    found = await conn.execute(
        select(key_event_notes.c.event_id).where(key_event_notes.c.event_id == event_id)
    )
    if found.first() is None:
        await conn.execute(
            key_event_notes.insert().values(event_id=event_id, principal_id=principal_id, note=note)
        )


async def erase_key_notes(conn: AsyncConnection, principal_id: UUID) -> None:
    await conn.execute(
        key_event_notes.delete().where(key_event_notes.c.principal_id == principal_id)
    )


async def key_notes(conn: AsyncConnection, principal_id: UUID) -> dict[UUID, str]:
    rows = await conn.execute(
        select(key_event_notes.c.event_id, key_event_notes.c.note).where(
            key_event_notes.c.principal_id == principal_id
        )
    )
    return {row.event_id: row.note for row in rows}


async def recoveries_of(conn: AsyncConnection, principal_id: UUID) -> list[Recovery]:
    """A principal's recoveries, oldest request first."""
    rows = await conn.execute(
        select(key_recoveries)
        .where(key_recoveries.c.principal_id == principal_id)
        .order_by(key_recoveries.c.requested_at)
    )
    return [recovery_of(row) for row in rows]


async def custodian_pairs(
    conn: AsyncConnection, principal_id: UUID | None
) -> list[tuple[UUID, UUID, int]]:
    """Who is custodian of whom now, with the log index of the appointment, in log order."""
    query = select(custodians).order_by(custodians.c.appointed_at, custodians.c.custodian_id)
    if principal_id is not None:
        query = query.where(custodians.c.principal_id == principal_id)
    return [
        (row.principal_id, row.custodian_id, row.appointed_at) for row in await conn.execute(query)
    ]
