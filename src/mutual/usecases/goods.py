"""Shared goods: the flows that move items at collection points (deposit, loan, return,
transfer between points, gift) and the reads of loans and history.

Each flow composes one ledger transaction between the point's accounts (see
``mutual.core.goods``) and records it with the signature of one of the point's keepers
on its behalf (``usecases.flows``). The flow's own rules (the open-loan limit, a return
of more than is out) are checked first; the ledger's bounds (stock never below zero, a
loan account between zero and the limit) hold them under concurrency too. Loans, returns
and gifts are noted in the flow's tables once the ledger accepted them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from mutual.core import goods as core
from mutual.core.accounts import Account
from mutual.core.authority import Principal
from mutual.core.signing import Signature
from mutual.core.transactions import Transaction, TransactionKind, transfer_transaction
from mutual.core.units import good_unit
from mutual.store import goods as store
from mutual.store.goods import HistoryRow, LoanRecord
from mutual.store.journal import SideRows
from mutual.store.outcomes import Outcome
from mutual.store.timebank import notify
from mutual.usecases.collection_points import point_record, read_kind, unit_of
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.flows import Composed, is_recorded, record_composed
from mutual.usecases.members import active_member, oversees
from mutual.usecases.pagination import Page, decode_index_cursor, encode_cursor
from mutual.usecases.runtime import Runtime, chosen_id

# -- flows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Movement:
    """What every flow request names: its id (optional on the first call), the kind and
    how many items."""

    id: UUID | None
    kind: str
    count: int


async def _record(
    rt: Runtime,
    caller: Principal,
    composed_tx: Transaction,
    needed: Sequence[Account],
    signatures: Sequence[Signature],
    *,
    then: SideRows[Any] | None = None,
) -> Outcome:
    # Only the accounts not yet open are opened: an account opened with other bounds
    # (the loan limit changed since) is not re-opened.
    async with rt.db.reading() as conn:
        present = await store.balances(conn, [a.id for a in needed])
    openings = tuple(a for a in needed if a.id not in present)
    return await record_composed(rt, caller, Composed(composed_tx, openings), signatures, then=then)


async def deposit(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    req: Movement,
    from_member: UUID | None,
    signatures: Sequence[Signature],
) -> Outcome:
    """Items enter the territory at the point: intake → stock."""
    await point_record(rt, point_id)
    unit = unit_of((await read_kind(rt, req.kind, field="kind")).slug, field="kind")
    if from_member is not None and not await is_recorded(rt, req.id):
        await active_member(rt, from_member, field="from_member")
    refs = {"point": str(point_id)}
    if from_member is not None:
        refs["from_member"] = str(from_member)
    tx = transfer_transaction(
        chosen_id(req.id),
        TransactionKind.GOOD_DEPOSIT,
        unit,
        core.intake_id(point_id, req.kind),
        core.stock_id(point_id, req.kind),
        req.count,
        caller.id,
        refs,
    )
    needed = [core.intake_account(point_id, req.kind), core.stock_account(point_id, req.kind)]
    return await _record(rt, caller, tx, needed, signatures)


async def lend(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    req: Movement,
    member_id: UUID,
    due_on: date,
    signatures: Sequence[Signature],
) -> Outcome:
    """Items leave the shelf for a member's hands until ``due_on``: stock → loan(m)."""
    await point_record(rt, point_id)
    unit = unit_of((await read_kind(rt, req.kind, field="kind")).slug, field="kind")
    limit = rt.settings.open_loans_max
    if not await is_recorded(rt, req.id):
        await active_member(rt, member_id, field="member_id")
    # The open-loan limit (all points and kinds together) is the ledger's rule
    # (core.kinds), decided under the writer's lock: a raw loan gets the same answer.
    tx_id = chosen_id(req.id)
    tx = transfer_transaction(
        tx_id,
        TransactionKind.LOAN,
        unit,
        core.stock_id(point_id, req.kind),
        core.loan_account_id(member_id, point_id, req.kind),
        req.count,
        caller.id,
        {"point": str(point_id), "member": str(member_id), "due_on": due_on.isoformat()},
    )
    needed = [
        core.stock_account(point_id, req.kind),
        core.loan_account(member_id, point_id, req.kind, limit),
    ]
    loan = {
        "id": tx_id,
        "point_id": point_id,
        "kind": req.kind,
        "member_id": member_id,
        "count": req.count,
        "returned": 0,
        "due_on": due_on,
        "lent_at": rt.clock(),
    }
    return await _record(
        rt, caller, tx, needed, signatures, then=SideRows(store.insert_loans, (loan,))
    )


async def give_back(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    loan_id: UUID,
    return_id: UUID | None,
    count: int,
    signatures: Sequence[Signature],
) -> Outcome:
    """Items of a loan come back to the shelf: loan(m) → stock."""
    async with rt.db.reading() as conn:
        loan = await store.get_loan(conn, loan_id)
    if loan is None or loan.point_id != point_id:
        raise NotFound("no such loan at this collection point", field="loan_id")
    if count > loan.outstanding and not await is_recorded(rt, return_id):
        raise core.NotBorrowed(
            f"the loan has {loan.outstanding} item(s) out, not {count}",
            field="count",
            facts={"out": loan.outstanding, "asked": count},
        )
    tx_id = chosen_id(return_id)
    tx = transfer_transaction(
        tx_id,
        TransactionKind.RETURN,
        good_unit(loan.kind),
        core.loan_account_id(loan.member_id, point_id, loan.kind),
        core.stock_id(point_id, loan.kind),
        count,
        caller.id,
        {"point": str(point_id), "loan": str(loan_id)},
    )
    needed = [
        core.loan_account(loan.member_id, point_id, loan.kind, rt.settings.open_loans_max),
        core.stock_account(point_id, loan.kind),
    ]
    back = {"id": tx_id, "loan_id": loan_id, "count": count, "returned_at": rt.clock()}
    return await _record(
        rt, caller, tx, needed, signatures, then=SideRows(store.record_returns, (back,))
    )


async def transfer(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    req: Movement,
    to_point: UUID,
    signatures: Sequence[Signature],
) -> Outcome:
    """Items move from one point's shelf to another's: stock(A) → stock(B), signed by a
    keeper of A."""
    await point_record(rt, point_id)
    await point_record(rt, to_point, field="to_point")
    if to_point == point_id:
        raise InvalidRequest("a transfer goes to another collection point", field="to_point")
    unit = unit_of((await read_kind(rt, req.kind, field="kind")).slug, field="kind")
    tx = transfer_transaction(
        chosen_id(req.id),
        TransactionKind.GOOD_TRANSFER,
        unit,
        core.stock_id(point_id, req.kind),
        core.stock_id(to_point, req.kind),
        req.count,
        caller.id,
        {"point": str(point_id), "to_point": str(to_point)},
    )
    needed = [core.stock_account(point_id, req.kind), core.stock_account(to_point, req.kind)]
    return await _record(rt, caller, tx, needed, signatures)


async def give(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    req: Movement,
    to_member: UUID | None,
    household: str | None,
    signatures: Sequence[Signature],
) -> Outcome:
    """Items leave the territory's shared stock for good: stock → given. Who received
    them (a household, in free text) is noted in the gifts table only."""
    await point_record(rt, point_id)
    unit = unit_of((await read_kind(rt, req.kind, field="kind")).slug, field="kind")
    if to_member is not None and not await is_recorded(rt, req.id):
        await active_member(rt, to_member, field="to_member")
    refs = {"point": str(point_id)}
    if to_member is not None:
        refs["to_member"] = str(to_member)
    tx_id = chosen_id(req.id)
    tx = transfer_transaction(
        tx_id,
        TransactionKind.GIVE,
        unit,
        core.stock_id(point_id, req.kind),
        core.given_id(point_id, req.kind),
        req.count,
        caller.id,
        refs,
    )
    needed = [core.stock_account(point_id, req.kind), core.given_account(point_id, req.kind)]
    gift = {
        "id": tx_id,
        "point_id": point_id,
        "kind": req.kind,
        "count": req.count,
        "to_member": to_member,
        "household": household,
        "given_at": rt.clock(),
    }
    return await _record(
        rt, caller, tx, needed, signatures, then=SideRows(store.insert_gifts, (gift,))
    )


# -- reads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoanView:
    record: LoanRecord
    overdue: bool


def _views(rt: Runtime, loans: list[LoanRecord]) -> list[LoanView]:
    today = rt.clock().date()
    return [LoanView(r, core.is_overdue(r.due_on, r.outstanding, today)) for r in loans]


async def point_loans(
    rt: Runtime,
    caller: Principal,
    point_id: UUID,
    *,
    overdue: bool | None,
    member_id: UUID | None,
) -> list[LoanView]:
    """The point's open loans, soonest due first; for its keepers and coordinators."""
    point = await point_record(rt, point_id)
    if not oversees(caller) and caller.id not in point.keepers:
        raise Forbidden("only the point's keepers and coordinators see its loans")
    async with rt.db.reading() as conn:
        loans = await store.open_loans(conn, point_id=point_id, member_id=member_id)
    views = _views(rt, loans)
    return views if overdue is None else [v for v in views if v.overdue is overdue]


@dataclass(frozen=True, slots=True)
class Reminder:
    loan: LoanRecord
    sent: bool  # False when this loan's borrower was already reminded today


async def remind_borrower(
    rt: Runtime, caller: Principal, point_id: UUID, loan_id: UUID
) -> Reminder:
    """Remind the borrower of an overdue loan (their notifications, and e-mail through the
    outbox as every notice); one reminder per loan and day, a second the same day is
    answered as already sent."""
    point = await point_record(rt, point_id)
    if not oversees(caller) and caller.id not in point.keepers:
        raise Forbidden("only the point's keepers and coordinators remind its borrowers")
    async with rt.db.reading() as conn:
        loan = await store.get_loan(conn, loan_id)
        kind = None if loan is None else await store.get_kind(conn, loan.kind)
    if loan is None or loan.point_id != point_id:
        raise NotFound("no such loan at this collection point", field="loan_id")
    today = rt.clock().date()
    if not core.is_overdue(loan.due_on, loan.outstanding, today):
        raise core.LoanNotOverdue(
            f"the loan is due back on {loan.due_on.isoformat()} with "
            f"{loan.outstanding} item(s) out",
            field="loan_id",
        )
    data = {
        "loan_id": str(loan.id),
        "point_name": point.name,
        "kind_name": loan.kind if kind is None else kind.name,
        "count": loan.outstanding,
        "due_on": loan.due_on.isoformat(),
    }
    source = f"{loan.id}/{today.isoformat()}"
    async with rt.db.writing() as conn:
        sent = await notify(
            conn, loan.member_id, "loan_overdue", data, source=source, now=rt.clock()
        )
    return Reminder(loan, sent)


async def my_loans(rt: Runtime, caller: Principal) -> list[LoanView]:
    async with rt.db.reading() as conn:
        return _views(rt, await store.open_loans(conn, member_id=caller.id))


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    row: HistoryRow
    role: core.Role


async def kind_history(
    rt: Runtime, slug: str, *, cursor: str | None, limit: int
) -> Page[HistoryEntry]:
    """Every posting of the kind's unit in log order, each with the point's account it
    moved (stock, intake, given or a loan); ``limit`` whole transactions a page."""
    await read_kind(rt, slug)
    kind = f"history:{slug}"
    async with rt.db.reading() as conn:
        rows = await store.unit_history(
            conn,
            good_unit(slug),
            after=decode_index_cursor(kind, cursor),
            limit=limit + 1,
        )
    # One transaction more than asked, only to know that there is more: its postings go.
    indexes = sorted({row.log_index for row in rows})
    next_cursor = None
    if len(indexes) > limit:
        last = indexes[limit - 1]
        rows = [row for row in rows if row.log_index <= last]
        next_cursor = encode_cursor(kind, str(last))
    entries = []
    for row in rows:
        try:
            point = UUID(row.point_id)
        except ValueError:
            role = core.Role.LOAN  # not a point's account: opened by hand, shown as is
        else:
            role = core.point_role(row.account_id, point, slug)
        entries.append(HistoryEntry(row, role))
    return Page(entries, next_cursor)
