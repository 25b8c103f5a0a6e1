"""Finding people: the member directory, searched by name (or member number),
neighbourhood and what members offer. It shows what any member may see of another: the
display name, the neighbourhood, the member number and the open offers; never contact
details (those stay with the profile and its per-field visibility)."""

from __future__ import annotations

from dataclasses import dataclass

from mutual.core.authority import Principal
from mutual.store import directory as store
from mutual.store.directory import DirectoryEntry, DirectoryFilter, OfferLine
from mutual.usecases.errors import InvalidCursor
from mutual.usecases.pagination import Page, decode_cursor, encode_cursor
from mutual.usecases.runtime import Runtime

_CURSOR = "directory"


@dataclass(frozen=True, slots=True)
class Found:
    entry: DirectoryEntry
    offers: list[OfferLine]


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    key = decode_cursor(_CURSOR, cursor)
    if not key.isdigit():
        raise InvalidCursor("malformed cursor", field="cursor")
    return int(key)


async def search(
    rt: Runtime, reader: Principal, where: DirectoryFilter, *, cursor: str | None, limit: int
) -> Page[Found]:
    """Active members matching every given part, in the order of their number.

    ``reader`` is any signed-in person the permission matrix lets in: all of them see the
    same public part of a profile."""
    del reader
    now = rt.clock()
    async with rt.db.reading() as conn:
        entries = await store.search(
            conn, where, now=now, after_number=_after(cursor), limit=limit + 1
        )
        shown = entries[:limit]
        offers = await store.offers_of(conn, [e.id for e in shown], now=now)
    next_cursor = encode_cursor(_CURSOR, str(shown[-1].number)) if len(entries) > limit else None
    return Page([Found(e, offers.get(e.id, [])) for e in shown], next_cursor)


async def neighbourhoods(rt: Runtime) -> list[str]:
    async with rt.db.reading() as conn:
        return await store.neighbourhoods(conn)
