"""Shared goods' catalogue (each kind of good its own unit) and collection points, each a
principal without keys whose keepers the log appoints as its custodians: a change of
keepers is one atomic write, removals and appointments at one log index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from mutual.core import derived
from mutual.core import goods as core
from mutual.core.authority import Principal
from mutual.core.errors import InvalidUnit
from mutual.core.ids import PrincipalId
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.territory_lists import ListKind
from mutual.core.units import Unit, good_unit
from mutual.store import goods as store
from mutual.store.goods import KindRecord, PointRecord
from mutual.store.outcomes import raise_refusal
from mutual.usecases import territory_lists as lists
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.keys import vouched_write
from mutual.usecases.members import active_member, is_coordinator, require_coordinator
from mutual.usecases.runtime import Runtime, chosen_id, new_id

# -- catalogue ---------------------------------------------------------------------------


def unit_of(slug: str, *, field: str = "slug") -> Unit:
    try:
        return good_unit(slug)
    except InvalidUnit as exc:
        raise InvalidRequest(
            "a slug is lowercase letters, digits, - and _, at most 63", field=field
        ) from exc


async def create_kind(
    rt: Runtime, caller: Principal, slug: str, name: str, description: str
) -> KindRecord:
    """Add a kind of good to the catalogue (its unit is ``GOOD.<slug>``); a retry of the
    same creation answers the kind."""
    require_coordinator(caller)
    unit_of(slug)
    async with rt.db.writing() as conn:
        existing = await store.get_kind(conn, slug)
        if existing is None:
            await store.insert_kind(
                conn,
                {"slug": slug, "name": name, "description": description, "created_at": rt.clock()},
            )
    if existing is not None and (existing.name, existing.description) != (name, description):
        raise InvalidRequest("a different kind has this slug", field="slug")
    return await read_kind(rt, slug)


async def read_kind(rt: Runtime, slug: str, *, field: str = "slug") -> KindRecord:
    async with rt.db.reading() as conn:
        record = await store.get_kind(conn, slug)
    if record is None:
        raise NotFound("no such kind of good", field=field)
    return record


async def list_kinds(rt: Runtime) -> list[KindRecord]:
    async with rt.db.reading() as conn:
        return await store.list_kinds(conn)


# -- collection points -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockLine:
    kind: str
    on_shelf: int
    on_loan: int


@dataclass(frozen=True, slots=True)
class PointView:
    record: PointRecord
    stock: list[StockLine]


async def _check_keepers(rt: Runtime, keepers: Sequence[UUID]) -> list[UUID]:
    if not keepers:
        raise InvalidRequest("a collection point has at least one keeper", field="keepers")
    for i, member in enumerate(keepers):
        await active_member(rt, member, field=f"keepers[{i}]")
    return sorted(set(keepers))


def _custody(
    event_id: UUID, action: KeyAction, point: UUID, caller: Principal, member: UUID
) -> KeyEvent:
    return KeyEvent(
        event_id, action, PrincipalId(point), by=caller.id, custodian=PrincipalId(member)
    )


async def create_point(
    rt: Runtime,
    caller: Principal,
    point_id: UUID | None,
    name: str,
    neighbourhood: str,
    keepers: Sequence[UUID],
) -> PointView:
    """Appoint the keepers custodians of a new point, in one atomic ledger write."""
    require_coordinator(caller)
    chosen = await _check_keepers(rt, keepers)
    pid = chosen_id(point_id)
    async with rt.db.reading() as conn:
        existing = await store.get_point(conn, pid)
    if existing is not None:
        if (existing.name, existing.neighbourhood) != (name, neighbourhood):
            raise InvalidRequest("a different collection point has this id", field="id")
        return await read_point(rt, pid)  # a retry of a creation that completed
    await lists.require_now(rt, ListKind.NEIGHBOURHOOD, neighbourhood, "neighbourhood")
    events = [
        _custody(derived.keeper_appointment_id(pid, m), KeyAction.APPOINT_CUSTODIAN, pid, caller, m)
        for m in chosen
    ]
    outcomes = await rt.journal.submit(
        [vouched_write(rt, e) for e in events], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal(outcomes)
    async with rt.db.writing() as conn:
        if await store.get_point(conn, pid) is None:
            await store.insert_point(
                conn,
                {"id": pid, "name": name, "neighbourhood": neighbourhood, "created_at": rt.clock()},
                chosen,
            )
    return await read_point(rt, pid)


async def change_keepers(
    rt: Runtime, caller: Principal, point_id: UUID, keepers: Sequence[UUID]
) -> PointView:
    """Those who stop keeping the point are removed and the new keepers appointed, at
    one log index."""
    require_coordinator(caller)
    point = await point_record(rt, point_id)
    chosen = await _check_keepers(rt, keepers)
    old, new = set(point.keepers), set(chosen)
    events = [
        _custody(new_id(), KeyAction.REMOVE_CUSTODIAN, point_id, caller, m)
        for m in sorted(old - new)
    ] + [
        _custody(new_id(), KeyAction.APPOINT_CUSTODIAN, point_id, caller, m)
        for m in sorted(new - old)
    ]
    if events:
        outcomes = await rt.journal.submit(
            [vouched_write(rt, e) for e in events], atomic=True, recorded_at=rt.clock()
        )
        raise_refusal(outcomes)
        async with rt.db.writing() as conn:
            await store.set_keepers(conn, point_id, chosen)
    return await read_point(rt, point_id)


async def point_record(rt: Runtime, point_id: UUID, *, field: str = "id") -> PointRecord:
    async with rt.db.reading() as conn:
        record = await store.get_point(conn, point_id)
    if record is None:
        raise NotFound("no such collection point", field=field)
    return record


async def read_point(rt: Runtime, point_id: UUID) -> PointView:
    record = await point_record(rt, point_id)
    async with rt.db.reading() as conn:
        kinds = await store.list_kinds(conn)
        shelves = await store.balances(conn, [core.stock_id(point_id, k.slug) for k in kinds])
        out = await store.open_loans(conn, point_id=point_id)
    lent: dict[str, int] = {}
    for loan in out:
        lent[loan.kind] = lent.get(loan.kind, 0) + loan.outstanding
    stock = [
        StockLine(k.slug, shelves.get(core.stock_id(point_id, k.slug), 0), lent.get(k.slug, 0))
        for k in kinds
        if core.stock_id(point_id, k.slug) in shelves or k.slug in lent
    ]
    return PointView(record, stock)


async def set_opening_hours(
    rt: Runtime, caller: Principal, point_id: UUID, hours: str | None
) -> PointView:
    """The point's opening hours in its keepers' words, shown to residents as written; a
    keeper of the point or a coordinator sets them, ``None`` (or blank) removes them."""
    point = await point_record(rt, point_id)
    if not is_coordinator(caller) and caller.id not in point.keepers:
        raise Forbidden("only the point's keepers and coordinators set its opening hours")
    text = None if hours is None or not hours.strip() else hours.strip()
    async with rt.db.writing() as conn:
        await store.set_opening_hours(conn, point_id, text)
    return await read_point(rt, point_id)


async def list_points(rt: Runtime) -> list[PointRecord]:
    async with rt.db.reading() as conn:
        return await store.list_points(conn)
