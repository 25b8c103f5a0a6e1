"""The territory's own lists, edited by its coordinators: add an entry, rename it (its
labels), retire it or bring it back. Every write that names a category, neighbourhood or
well-being criterion checks it here (``require``), in the writing transaction when it
has one, so a retirement committed before it is seen."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal
from mutual.core.territory_lists import (
    CODE_MAX,
    AlreadyListed,
    ListEntry,
    ListKind,
    check_label,
    require_listed,
)
from mutual.store import territory_lists as store
from mutual.usecases.errors import NotFound
from mutual.usecases.members import require_coordinator
from mutual.usecases.runtime import Runtime


async def entries(rt: Runtime, kind: ListKind) -> list[ListEntry]:
    async with rt.db.reading() as conn:
        return list((await store.list_entries(conn, kind)).values())


async def require(
    conn: AsyncConnection,
    kind: ListKind,
    value: str | None,
    field: str,
    *,
    kept: str | None = None,
    retired_ok: bool = False,
) -> None:
    """``value`` (None: nothing named) is offered on the list (``not_listed``); ``kept``,
    what the row held before, stays valid; ``retired_ok`` for filters on old rows."""
    if value is not None and value != kept:
        found = await store.list_entries(conn, kind)
        require_listed(found, value, field, kept=kept, retired_ok=retired_ok)


async def require_now(
    rt: Runtime,
    kind: ListKind,
    value: str | None,
    field: str,
    *,
    kept: str | None = None,
    retired_ok: bool = False,
) -> None:
    """As ``require``, for a write whose transaction is not at hand (or a read)."""
    if value is not None and value != kept:
        async with rt.db.reading() as conn:
            await require(conn, kind, value, field, kept=kept, retired_ok=retired_ok)


async def add(
    rt: Runtime, caller: Principal, kind: ListKind, code: str, label_fr: str, label_en: str
) -> ListEntry:
    require_coordinator(caller)
    check_label(code, "code", CODE_MAX)
    check_label(label_fr, "label_fr")
    check_label(label_en, "label_en")
    async with rt.db.writing() as conn:
        if code in await store.list_entries(conn, kind):
            raise AlreadyListed("this code is on the list already", field="code")
        await store.add(conn, kind, code, label_fr, label_en, rt.clock())
        return (await store.list_entries(conn, kind))[code]


async def change(
    rt: Runtime,
    caller: Principal,
    kind: ListKind,
    code: str,
    *,
    label_fr: str | None,
    label_en: str | None,
    retired: bool | None,
) -> ListEntry:
    """Rename (the labels; the code rows store stays), retire or bring back an entry."""
    require_coordinator(caller)
    async with rt.db.writing() as conn:
        found = (await store.list_entries(conn, kind)).get(code)
        if found is None:
            raise NotFound("no such entry on this list", field="code")
        retired_at = found.retired_at
        if retired is not None:
            retired_at = (found.retired_at or rt.clock()) if retired else None
        await store.change(
            conn,
            kind,
            code,
            label_fr=found.label_fr if label_fr is None else check_label(label_fr, "label_fr"),
            label_en=found.label_en if label_en is None else check_label(label_en, "label_en"),
            retired_at=retired_at,
        )
        return (await store.list_entries(conn, kind))[code]
