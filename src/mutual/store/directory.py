"""The member directory and the people on a statement: who a reader may find and name.

Only active members are found; an erased member's name is gone from ``members`` (the
erasure empties it), so nothing here can bring it back."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.ids import PrincipalId
from mutual.store.tables import members, offers


@dataclass(frozen=True, slots=True)
class DirectoryFilter:
    """Each given part narrows the search; text matches without regard to case."""

    name: str | None = None
    neighbourhood: str | None = None
    offers: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    id: PrincipalId
    number: int
    display_name: str | None
    neighbourhood: str | None


@dataclass(frozen=True, slots=True)
class OfferLine:
    id: UUID
    direction: str
    title: str
    category: str


def _contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    # The reader's % and _ are letters, not wildcards.
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _open_offers(now: datetime) -> ColumnElement[bool]:
    """Offers and requests still open: what a member gives, and what they would take."""
    return offers.c.closed_at.is_(None) & (offers.c.expires_at > now)


async def search(
    conn: AsyncConnection,
    where: DirectoryFilter,
    *,
    now: datetime,
    after_number: int | None,
    limit: int,
) -> list[DirectoryEntry]:
    """Active members in the order of their number, past ``after_number``."""
    query = (
        select(members.c.id, members.c.number, members.c.display_name, members.c.neighbourhood)
        .where(members.c.status == "active", members.c.number.is_not(None))
        .order_by(members.c.number)
        .limit(limit)
    )
    if where.name:
        by_name = _contains(members.c.display_name, where.name)
        digits = where.name.strip().lstrip("#n°º ").strip()
        # A member number typed in the name box finds that member too.
        query = query.where(
            or_(by_name, members.c.number == int(digits))
            # Beyond nine digits no member has the number, and the column is 32-bit.
            if digits.isdigit() and len(digits) <= 9
            else by_name
        )
    if where.neighbourhood:
        query = query.where(
            func.lower(members.c.neighbourhood) == where.neighbourhood.strip().lower()
        )
    if where.offers:
        query = query.where(
            exists().where(
                offers.c.member_id == members.c.id,
                _open_offers(now),
                or_(
                    _contains(offers.c.title, where.offers),
                    _contains(offers.c.description, where.offers),
                    func.lower(offers.c.category) == where.offers.strip().lower(),
                ),
            )
        )
    if after_number is not None:
        query = query.where(members.c.number > after_number)
    return [
        DirectoryEntry(PrincipalId(r.id), r.number, r.display_name, r.neighbourhood)
        for r in await conn.execute(query)
    ]


async def offers_of(
    conn: AsyncConnection, member_ids: Collection[UUID], *, now: datetime
) -> dict[UUID, list[OfferLine]]:
    """What each member offers or asks for now (open ones, newest first)."""
    if not member_ids:
        return {}
    query = (
        select(
            offers.c.member_id, offers.c.id, offers.c.direction, offers.c.title, offers.c.category
        )
        .where(offers.c.member_id.in_(list(member_ids)), _open_offers(now))
        .order_by(offers.c.created_at.desc(), offers.c.id.desc())
    )
    found: dict[UUID, list[OfferLine]] = {}
    for r in await conn.execute(query):
        found.setdefault(r.member_id, []).append(OfferLine(r.id, r.direction, r.title, r.category))
    return found


async def neighbourhoods(conn: AsyncConnection) -> list[str]:
    """The neighbourhoods active members live in, for the directory's choice."""
    query = (
        select(members.c.neighbourhood)
        .where(members.c.status == "active", members.c.neighbourhood.is_not(None))
        .distinct()
        .order_by(members.c.neighbourhood)
    )
    return [r.neighbourhood for r in await conn.execute(query)]
