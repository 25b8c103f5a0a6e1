"""Pledging volunteer hours, allocating them to projects, confirming their delivery and
releasing what is left at quarter end (the rules are in ``core.pledges``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from mutual.core import pledges as core
from mutual.core.authority import Principal
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.quarters import parse_quarter
from mutual.core.signing import Signature
from mutual.core.timebank import PLEDGE_MINUTES_MAX, check_duration, check_plausible
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import Unit
from mutual.store import accounts as account_store
from mutual.store import ledger_reads
from mutual.store import pledges as store
from mutual.store import projects as project_store
from mutual.store.journal import SideRows
from mutual.store.outcomes import Outcome
from mutual.store.pledges import AccountSums
from mutual.store.projects import ProjectRecord
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.flows import Composed, is_recorded, record_composed
from mutual.usecases.members import active_member, is_coordinator, oversees, require_coordinator
from mutual.usecases.runtime import Runtime, chosen_id


async def _record(
    rt: Runtime, caller: Principal, flow: core.Flow, signatures: Sequence[Signature]
) -> Outcome:
    openings = tuple(p.account for p in flow.accounts)
    names = SideRows(store.name_accounts, tuple(flow.accounts))
    return await record_composed(
        rt, caller, Composed(flow.transaction, openings), signatures, then=names
    )


async def _today(rt: Runtime, tx_id: TransactionId) -> date | None:
    """Today, or ``None`` when the transaction is already recorded: the flow's checks
    are then skipped and the journal answers the resend as a replay."""
    return None if await is_recorded(rt, tx_id) else rt.clock().date()


async def pledge_hours(
    rt: Runtime,
    caller: Principal,
    *,
    tx_id: UUID | None,
    quarter: str,
    minutes: int,
    member_id: UUID | None,
    signatures: Sequence[Signature],
) -> Outcome:
    """The member promises minutes for a quarter; a coordinator may record it for a
    member, who (or whose custodian) still signs."""
    member = PrincipalId(member_id or caller.id)
    if member != caller.id:
        require_coordinator(caller)
    await active_member(rt, member, field="member_id")
    check_duration(minutes, step=rt.settings.duration_step_minutes)
    check_plausible(minutes, PLEDGE_MINUTES_MAX, field="minutes")
    pid = TransactionId(chosen_id(tx_id))
    flow = core.pledge(pid, member, parse_quarter(quarter), minutes, today=await _today(rt, pid))
    return await _record(rt, caller, flow, signatures)


@dataclass(frozen=True, slots=True)
class LineRequest:
    member_id: UUID
    project_id: UUID
    minutes: int


async def allocate(
    rt: Runtime,
    caller: Principal,
    *,
    tx_id: UUID | None,
    quarter: str,
    decision: str,
    lines: Sequence[LineRequest],
    signatures: Sequence[Signature],
) -> Outcome:
    """Allocate held pledges to projects, member by member, in one transaction signed by
    an operator key (the decision is the coordination group's)."""
    require_coordinator(caller)
    q = parse_quarter(quarter)
    aid = TransactionId(chosen_id(tx_id))
    today = await _today(rt, aid)
    step = rt.settings.duration_step_minutes
    async with rt.db.reading() as conn:
        held = await store.held_balances(conn, q)
        for i, line in enumerate(lines):
            check_duration(line.minutes, step=step, field=f"lines[{i}].minutes")
            if await project_store.get_project(conn, line.project_id) is None:
                raise NotFound("no such project", field=f"lines[{i}].project_id")
    asked: dict[PrincipalId, int] = {}
    for i, line in enumerate(lines):
        member = PrincipalId(line.member_id)
        asked[member] = asked.get(member, 0) + line.minutes
        if today is not None and asked[member] > held.get(member, 0):
            raise core.ExceedsHeld(
                f"the pool holds {held.get(member, 0)} minutes of this member's pledge "
                f"for {q}, {asked[member]} asked",
                field=f"lines[{i}].minutes",
            )
    flow = core.allocation(
        aid,
        q,
        [core.AllocationLine(PrincipalId(x.member_id), x.project_id, x.minutes) for x in lines],
        initiator=caller.id,
        decision=decision,
        today=today,
    )
    return await _record(rt, caller, flow, signatures)


async def _project(rt: Runtime, project_id: UUID) -> ProjectRecord:
    async with rt.db.reading() as conn:
        record = await project_store.get_project(conn, project_id)
    if record is None:
        raise NotFound("no such project", field="project_id")
    return record


def _leads(caller: Principal, project: ProjectRecord) -> bool:
    return caller.id == project.lead_id or is_coordinator(caller)


async def deliver(
    rt: Runtime,
    caller: Principal,
    project_id: UUID,
    *,
    tx_id: UUID | None,
    quarter: str,
    member_id: UUID,
    minutes: int,
    signatures: Sequence[Signature],
) -> Outcome:
    """The lead confirms minutes a volunteer gave the project, within their allocation;
    the lead's signature on the project's behalf is what the ledger accepts."""
    project = await _project(rt, project_id)
    if not _leads(caller, project):
        raise Forbidden("only the project's lead confirms deliveries")
    q = parse_quarter(quarter)
    check_duration(minutes, step=rt.settings.duration_step_minutes)
    member = PrincipalId(member_id)
    did = TransactionId(chosen_id(tx_id))
    allocated = core.allocated_account(member, project_id, q).account.id
    account = await account_store.get_account(rt.db, allocated)
    remaining = 0 if account is None else account.balance
    if minutes > remaining and await _today(rt, did) is not None:
        raise core.ExceedsAllocation(
            f"{remaining} minutes allocated to this member for {q} remain undelivered",
            field="minutes",
        )
    flow = core.delivery(
        did,
        member,
        project_id,
        AccountId(project.pledge_account),
        q,
        minutes,
        initiator=caller.id,
    )
    return await _record(rt, caller, flow, signatures)


async def release(
    rt: Runtime,
    caller: Principal,
    quarter: str,
    given_id: UUID | None,
    signatures: Sequence[Signature],
) -> Outcome:
    """Release what is still held after the quarter, once, with an operator's signature."""
    require_coordinator(caller)
    q = parse_quarter(quarter)
    tx_id = core.release_id(q)
    if given_id not in (None, tx_id):
        raise InvalidRequest(f"the release of {q} has the id {tx_id}", field="id")
    recorded = await ledger_reads.get_transaction(rt.db, tx_id)
    if recorded is not None:
        # Already released: compose what was recorded, so sending it again is a replay.
        tx = Transaction(
            tx_id,
            recorded.kind,
            tuple(Posting(p.account_id, Unit(p.unit), p.amount) for p in recorded.postings),
            recorded.initiator,
            references=recorded.references,
        )
        return await record_composed(rt, caller, Composed(tx), signatures)
    async with rt.db.reading() as conn:
        held = await store.held_balances(conn, q)
    flow = core.release(tx_id, q, held, initiator=caller.id, today=rt.clock().date())
    return await _record(rt, caller, flow, signatures)


@dataclass(frozen=True, slots=True)
class ProjectShare:
    project_id: UUID
    allocated: int
    delivered: int


@dataclass(frozen=True, slots=True)
class QuarterView:
    quarter: str
    totals: core.MemberQuarter
    projects: list[ProjectShare]


def _share(row: AccountSums) -> ProjectShare:
    assert row.project_id is not None
    sums = {(row.role, k): v for k, v in row.by_kind.items()}
    totals = core.summarise(sums, 0)
    return ProjectShare(row.project_id, totals.allocated, totals.delivered)


async def member_pledges(
    rt: Runtime, caller: Principal, member_id: UUID | None, quarter: str | None
) -> list[QuarterView]:
    """What a member pledged per quarter and what became of it (coordinators: anyone)."""
    member = member_id or caller.id
    if member != caller.id and not oversees(caller):
        raise Forbidden("members read their own pledges", field="member_id")
    q = None if quarter is None else parse_quarter(quarter)
    async with rt.db.reading() as conn:
        rows = await store.account_sums(conn, member_id=member, quarter=q)
    views: list[QuarterView] = []
    for name in sorted({r.quarter for r in rows}):
        mine = [r for r in rows if r.quarter == name]
        sums: dict[tuple[core.Role, TransactionKind], int] = {}
        for row in mine:
            for kind, total in row.by_kind.items():
                sums[row.role, kind] = sums.get((row.role, kind), 0) + total
        held = sum(r.balance for r in mine if r.role is core.Role.HELD)
        shares = [_share(r) for r in mine if r.role is core.Role.ALLOCATED]
        views.append(QuarterView(name, core.summarise(sums, held), shares))
    return views


@dataclass(frozen=True, slots=True)
class Volunteer:
    member_id: UUID
    quarter: str
    allocated: int
    delivered: int


async def project_volunteers(
    rt: Runtime, caller: Principal, project_id: UUID, quarter: str | None
) -> list[Volunteer]:
    """Who was allocated to the project and what they delivered (its lead, coordinators
    and auditors)."""
    project = await _project(rt, project_id)
    if not (_leads(caller, project) or oversees(caller)):
        raise Forbidden("the project's lead and coordinators see its volunteers")
    q = None if quarter is None else parse_quarter(quarter)
    async with rt.db.reading() as conn:
        rows = await store.account_sums(conn, project_id=project_id, quarter=q)
    return [
        Volunteer(r.member_id, r.quarter, share.allocated, share.delivered)
        for r in rows
        for share in [_share(r)]
    ]


async def pool(rt: Runtime, caller: Principal, quarter: str) -> dict[PrincipalId, int]:
    """What the pledge pool holds of each member's pledge for a quarter (coordinators)."""
    if not oversees(caller):
        raise Forbidden("coordinators see the pledge pool")
    async with rt.db.reading() as conn:
        held = await store.held_balances(conn, parse_quarter(quarter))
    return {m: n for m, n in held.items() if n > 0}
