"""The territory's lists and the well-being scores survey tools record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.territory_lists import ListEntry, ListKind
from mutual.store.tables import territory_list_entries as entries
from mutual.store.tables import wellbeing_records


async def list_entries(conn: AsyncConnection, kind: ListKind) -> dict[str, ListEntry]:
    """Every entry of one list, retired ones included, in the territory's order."""
    rows = await conn.execute(
        select(
            entries.c.code,
            entries.c.label_fr,
            entries.c.label_en,
            entries.c.position,
            entries.c.created_at,
            entries.c.retired_at,
        )
        .where(entries.c.kind == kind.value)
        .order_by(entries.c.position, entries.c.code)
    )
    return {r.code: ListEntry(kind, *r) for r in rows}


async def add(
    conn: AsyncConnection, kind: ListKind, code: str, label_fr: str, label_en: str, now: datetime
) -> None:
    last = await conn.scalar(
        select(func.max(entries.c.position)).where(entries.c.kind == kind.value)
    )
    await conn.execute(
        entries.insert().values(
            kind=kind.value,
            code=code,
            label_fr=label_fr,
            label_en=label_en,
            position=0 if last is None else last + 1,
            created_at=now,
            retired_at=None,
        )
    )


async def change(
    conn: AsyncConnection,
    kind: ListKind,
    code: str,
    *,
    label_fr: str,
    label_en: str,
    retired_at: datetime | None,
) -> None:
    await conn.execute(
        update(entries)
        .where(entries.c.kind == kind.value, entries.c.code == code)
        .values(label_fr=label_fr, label_en=label_en, retired_at=retired_at)
    )


@dataclass(frozen=True, slots=True)
class WellbeingRecord:
    id: UUID
    client_id: UUID
    member_id: UUID | None
    criterion: str
    neighbourhood: str | None
    age_band: str | None
    respondents: int
    score_total: int
    recorded_at: datetime


async def record_wellbeing(conn: AsyncConnection, record: WellbeingRecord) -> None:
    await conn.execute(
        wellbeing_records.insert().values(
            id=record.id,
            client_id=record.client_id,
            member_id=record.member_id,
            criterion=record.criterion,
            neighbourhood=record.neighbourhood,
            age_band=record.age_band,
            respondents=record.respondents,
            score_total=record.score_total,
            recorded_at=record.recorded_at,
        )
    )


async def wellbeing(
    conn: AsyncConnection, since: datetime | None, until: datetime | None
) -> Sequence[WellbeingRecord]:
    query = select(*wellbeing_records.c).order_by(
        wellbeing_records.c.recorded_at, wellbeing_records.c.id
    )
    if since is not None:
        query = query.where(wellbeing_records.c.recorded_at >= since)
    if until is not None:
        query = query.where(wellbeing_records.c.recorded_at < until)
    return [WellbeingRecord(*r) for r in await conn.execute(query)]


async def forget_member(conn: AsyncConnection, member_id: UUID) -> None:
    """On erasure the scores stay in the aggregates, no longer linked to the person."""
    await conn.execute(
        update(wellbeing_records)
        .where(wellbeing_records.c.member_id == member_id)
        .values(member_id=None)
    )
