"""The co-responsibility fund: partners, contributions and deposits, repayments, grants,
disbursements, the available balance and each partner's "where did my money go".

Every movement is a composed transaction (``usecases.flows``): the service composes it
from the request, the signers sign it, the accounts it needs and the transaction are
written in one atomic journal command. The words (names, decisions, payees, receipts)
go to the fund's own tables after the ledger accepted the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from uuid import UUID

from mutual.core import derived, fund_trace
from mutual.core import fund as core
from mutual.core.accounts import Account
from mutual.core.authority import Principal
from mutual.core.fund import ContributionKind, Deposit, PartnerKind
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.signing import Signature
from mutual.core.transactions import TransactionKind
from mutual.store import accounts as account_store
from mutual.store import fund as store
from mutual.store import projects as project_store
from mutual.store.fund import ContributionRecord, PartnerRecord
from mutual.store.journal import SideRows
from mutual.store.outcomes import Outcome
from mutual.store.principals import principal_exists
from mutual.store.projects import ProjectRecord
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.flows import Composed, record_composed
from mutual.usecases.members import active_member, is_coordinator, oversees, require_coordinator
from mutual.usecases.runtime import Runtime, chosen_id

# --- Partners ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPartner:
    name: str
    kind: PartnerKind
    principal_id: UUID


async def create_partner(
    rt: Runtime, caller: Principal, partner_id: UUID | None, new: NewPartner
) -> PartnerRecord:
    """Name a partner and the principal that signs for it (nothing in the ledger yet:
    its account opens with its first gift)."""
    require_coordinator(caller)
    if new.kind is PartnerKind.RESIDENT:
        await active_member(rt, new.principal_id, field="principal_id")
    else:
        if not await principal_exists(rt.db, new.principal_id):
            raise NotFound("no such principal", field="principal_id")
    pid = chosen_id(partner_id)
    async with rt.db.writing() as conn:
        existing = await store.get_partner(conn, pid)
        if existing is None:
            await store.insert_partner(
                conn,
                {
                    "id": pid,
                    "name": new.name,
                    "kind": new.kind.value,
                    "principal_id": new.principal_id,
                    "account_id": core.partner_account_id(pid),
                    "created_at": rt.clock(),
                },
            )
    if existing is not None:
        if (existing.name, existing.kind, existing.principal_id) != (
            new.name,
            new.kind.value,
            new.principal_id,
        ):
            raise InvalidRequest("a different partner has this id", field="id")
        return existing
    return await read_partner(rt, caller, pid)


def _may_see_partner(caller: Principal, partner: PartnerRecord) -> bool:
    return oversees(caller) or caller.id == partner.principal_id


async def read_partner(rt: Runtime, caller: Principal, partner_id: UUID) -> PartnerRecord:
    async with rt.db.reading() as conn:
        partner = await store.get_partner(conn, partner_id)
    # A resident partner's name is personal data: others are told it does not exist.
    if partner is None or not _may_see_partner(caller, partner):
        raise NotFound("no such partner", field="partner_id")
    return partner


async def list_partners(
    rt: Runtime, caller: Principal, *, after: UUID | None, limit: int
) -> list[PartnerRecord]:
    async with rt.db.reading() as conn:
        found = await store.list_partners(conn, after=after, limit=limit)
    return [p for p in found if _may_see_partner(caller, p)]


# --- Flows ----------------------------------------------------------------------------


async def _fund_state(rt: Runtime) -> tuple[int, list[Deposit]]:
    fund = await account_store.get_account(rt.db, core.fund_account_id())
    async with rt.db.reading() as conn:
        rows = await store.deposits(conn)
    return (0 if fund is None else fund.balance), [
        Deposit(r.id, -r.balance, r.repayment_due) for r in rows
    ]


def _today(rt: Runtime) -> date:
    return rt.clock().date()


async def available_now(rt: Runtime) -> int:
    """The fund's available balance today (what a grant or a round may give)."""
    balance, deposits = await _fund_state(rt)
    return core.available(balance, deposits, _today(rt))


@dataclass(frozen=True, slots=True)
class NewContribution:
    partner_id: UUID
    kind: ContributionKind
    amount: int
    repayment_due: date | None


async def record_contribution(
    rt: Runtime,
    caller: Principal,
    tx_id: UUID | None,
    new: NewContribution,
    signatures: Sequence[Signature],
) -> Outcome:
    """A gift (from the partner's account) or a deposit (from a deposit account opened
    with it), signed by the partner's principal."""
    async with rt.db.reading() as conn:
        partner = await store.get_partner(conn, new.partner_id)
    if partner is None:
        raise NotFound("no such partner", field="partner_id")
    if not (is_coordinator(caller) or caller.id == partner.principal_id):
        raise Forbidden("only the partner or a coordinator records its contributions")
    if new.kind is ContributionKind.GIFT and new.repayment_due is not None:
        raise InvalidRequest("a gift is not repaid", field="repayment_due")
    cid = TransactionId(chosen_id(tx_id))
    kind, principal_id = PartnerKind(partner.kind), PrincipalId(partner.principal_id)
    tx = core.contribution_transaction(
        cid, caller.id, partner.id, new.kind, new.amount, new.repayment_due
    )
    opening: Account = (
        core.partner_account(partner.id, kind, principal_id)
        if new.kind is ContributionKind.GIFT
        else core.deposit_account(
            cid, kind, principal_id, new.amount, new.repayment_due, partner.id
        )
    )
    row = {
        "id": cid,
        "partner_id": partner.id,
        "kind": new.kind.value,
        "amount": new.amount,
        "repayment_due": new.repayment_due,
        "deposit_account": (
            None if new.kind is ContributionKind.GIFT else core.deposit_account_id(cid)
        ),
        "recorded_at": rt.clock(),
    }
    return await record_composed(
        rt,
        caller,
        Composed(tx, (core.fund_account(), opening)),
        signatures,
        then=SideRows(store.insert_contributions, (row,)),
    )


async def _contribution(rt: Runtime, contribution_id: UUID) -> ContributionRecord:
    async with rt.db.reading() as conn:
        record = await store.get_contribution(conn, contribution_id)
    if record is None:
        raise NotFound("no such contribution", field="contribution_id")
    return record


async def record_repayment(
    rt: Runtime,
    caller: Principal,
    contribution_id: UUID,
    tx_id: UUID | None,
    amount: int,
    signatures: Sequence[Signature],
) -> Outcome:
    """Pay part or all of a deposit back, from the fund (an operator's key signs)."""
    require_coordinator(caller)
    record = await _contribution(rt, contribution_id)
    if record.kind != ContributionKind.DEPOSIT:
        raise core.NotADeposit("a gift belongs to the fund and is not repaid", field="id")
    rid = TransactionId(chosen_id(tx_id))
    tx = core.repayment_transaction(rid, caller.id, record.id, amount)
    # Within what is owed and, early, within what is available: the ledger's fold decides
    # (core.kinds), under the writer's lock, so two processes cannot both take the same.
    return await record_composed(rt, caller, Composed(tx), signatures)


async def _project(rt: Runtime, project_id: UUID, field: str) -> ProjectRecord:
    async with rt.db.reading() as conn:
        project = await project_store.get_project(conn, project_id)
    if project is None:
        raise NotFound("no such project", field=field)
    return project


async def record_grant(
    rt: Runtime,
    caller: Principal,
    tx_id: UUID | None,
    project_id: UUID,
    amount: int,
    decision: str,
    signatures: Sequence[Signature],
) -> Outcome:
    """Euros from the fund to a project, by a recorded decision; never more than the
    available balance (an operator's key signs)."""
    require_coordinator(caller)
    project = await _project(rt, project_id, "project_id")
    gid = TransactionId(chosen_id(tx_id))
    tx = core.grant_transaction(gid, caller.id, project.id, AccountId(project.eur_account), amount)
    # Within the available balance: decided by the ledger's fold under the writer's lock.
    row = {
        "id": gid,
        "project_id": project.id,
        "amount": amount,
        "decision": decision,
        "recorded_at": rt.clock(),
    }
    return await record_composed(
        rt,
        caller,
        Composed(tx),
        signatures,
        then=SideRows(store.insert_grants, (row,)),
    )


@dataclass(frozen=True, slots=True)
class NewDisbursement:
    amount: int
    payee: str
    receipt_ref: str


async def record_disbursement(
    rt: Runtime,
    caller: Principal,
    project_id: UUID,
    tx_id: UUID | None,
    new: NewDisbursement,
    signatures: Sequence[Signature],
) -> Outcome:
    """A project pays someone; its lead signs on the project's behalf."""
    project = await _project(rt, project_id, "id")
    if not (is_coordinator(caller) or caller.id == project.lead_id):
        raise Forbidden("only the project's lead or a coordinator records its disbursements")
    did = TransactionId(chosen_id(tx_id))
    tx = core.disbursement_transaction(
        did, caller.id, project.id, AccountId(project.eur_account), new.amount
    )
    row = {
        "id": did,
        "project_id": project.id,
        "amount": new.amount,
        "payee": new.payee,
        "receipt_ref": new.receipt_ref,
        "recorded_at": rt.clock(),
    }
    return await record_composed(
        rt,
        caller,
        Composed(tx, (core.payees_account(),)),
        signatures,
        then=SideRows(store.insert_disbursements, (row,)),
    )


async def project_disbursements(
    rt: Runtime, caller: Principal, project_id: UUID
) -> list[store.DisbursementRecord]:
    """A project's payments with payee and receipt: its lead, coordinators, auditors."""
    project = await _project(rt, project_id, "project_id")
    if not (oversees(caller) or caller.id == project.lead_id):
        raise Forbidden("the project's lead and coordinators see its payments")
    async with rt.db.reading() as conn:
        return await store.disbursements_of(conn, project.id)


# --- Reading the fund -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FundSummary:
    balance: int
    received: int
    granted: int
    repaid: int
    owed: int
    owed_due_soon: int
    available: int
    as_of: date
    due_by: date


async def fund_summary(rt: Runtime) -> FundSummary:
    balance, deposits = await _fund_state(rt)
    async with rt.db.reading() as conn:
        lines = await store.account_postings(conn, [core.fund_account_id()])
    by_kind: dict[TransactionKind, int] = {}
    for line in lines:
        by_kind[line.kind] = by_kind.get(line.kind, 0) + line.amount
    today = _today(rt)
    return FundSummary(
        balance=balance,
        received=by_kind.get(TransactionKind.CONTRIBUTION, 0)
        + by_kind.get(TransactionKind.DEPOSIT, 0),
        granted=-by_kind.get(TransactionKind.GRANT, 0),
        repaid=-by_kind.get(TransactionKind.REPAYMENT, 0),
        owed=sum(d.owed for d in deposits),
        owed_due_soon=core.owed_due_soon(deposits, today),
        available=core.available(balance, deposits, today),
        as_of=today,
        due_by=core.end_of_next_quarter(today),
    )


@dataclass(frozen=True, slots=True)
class GrantShare:
    grant_id: UUID
    project_id: UUID
    decision: str | None
    amount: int


@dataclass(frozen=True, slots=True)
class DisbursementShare:
    disbursement_id: UUID
    project_id: UUID
    payee: str | None
    receipt_ref: str | None
    amount: int


@dataclass(frozen=True, slots=True)
class ContributionUse:
    """One contribution's use, in cents floored for display; ``rounding`` is what the
    flooring left over (amount - granted - repaid - other - in_fund, all floored)."""

    contribution: ContributionRecord
    owed: int
    grants: list[GrantShare]
    disbursements: list[DisbursementShare]
    repaid: int
    other: int
    in_fund: int
    rounding: int


@dataclass(frozen=True, slots=True)
class PartnerTrace:
    partner: PartnerRecord
    contributions: list[ContributionUse]
    as_of: datetime


split_grant_id = derived.split_grant_id


def fund_events(
    fund_lines: Sequence[store.FundPosting],
    disbursements: Sequence[tuple[UUID, store.FundPosting]],
    splits: Mapping[UUID, Sequence[tuple[UUID, int]]] = MappingProxyType({}),
) -> list[fund_trace.FundEvent]:
    """The fund's postings and the granted projects' payments, merged in log order; a
    grant to several projects (``splits``) is one grant per project."""
    merged: list[tuple[int, fund_trace.FundEvent]] = []
    for line in fund_lines:
        tx, refs, amount = line.transaction_id, line.references, line.amount
        event: fund_trace.FundEvent
        if amount > 0:
            traced = line.kind in (TransactionKind.CONTRIBUTION, TransactionKind.DEPOSIT)
            event = fund_trace.FundIn(tx, amount, tx if traced else None)
        elif line.kind is TransactionKind.REPAYMENT and "contribution" in refs:
            event = fund_trace.Repaid(tx, UUID(refs["contribution"]), -amount)
        elif line.kind is TransactionKind.GRANT and "project" in refs:
            event = fund_trace.Granted(tx, UUID(refs["project"]), -amount)
        elif line.kind is TransactionKind.GRANT and tx in splits:
            merged.extend(
                (line.log_index, fund_trace.Granted(split_grant_id(tx, project), project, part))
                for project, part in splits[tx]
            )
            continue
        else:
            event = fund_trace.FundOut(tx, -amount)
        merged.append((line.log_index, event))
    for project_id, line in disbursements:
        paid = -line.amount
        disbursed = fund_trace.Disbursed(
            line.transaction_id, project_id, paid, line.balance_after + paid
        )
        merged.append((line.log_index, disbursed))
    return [event for _, event in sorted(merged, key=lambda item: item[0])]


async def partner_trace(rt: Runtime, caller: Principal, partner_id: UUID) -> PartnerTrace:
    """Where each of the partner's contributions went: grants, the projects' payments
    from them, repayments, and what is still in the fund, in proportion."""
    partner = await read_partner(rt, caller, partner_id)
    async with rt.db.reading() as conn:
        fund_lines = await store.account_postings(conn, [core.fund_account_id()])
        projects: dict[UUID, ProjectRecord] = {}
        grant_lines = [line for line in fund_lines if line.kind is TransactionKind.GRANT]
        splits = await store.grant_splits(
            conn, [g.transaction_id for g in grant_lines if "round" in g.references]
        )
        granted = {UUID(g.references["project"]) for g in grant_lines if "project" in g.references}
        granted.update(project for parts in splits.values() for project, _ in parts)
        for project_id in granted:
            found = await project_store.get_project(conn, project_id)
            if found is not None:
                projects[found.id] = found
        by_account = {AccountId(p.eur_account): p.id for p in projects.values()}
        payments = await store.account_postings(
            conn, list(by_account), [TransactionKind.DISBURSEMENT]
        )
        paid = [(by_account[AccountId(line.account_id)], line) for line in payments]
        mine = await store.contributions_of(conn, partner.id)
        traced = fund_trace.trace(fund_events(fund_lines, paid, splits))
        decisions = await store.grant_decisions(conn, list(traced.grant_projects))
        for line in grant_lines:
            for project, _ in splits.get(line.transaction_id, ()):
                decisions[split_grant_id(line.transaction_id, project)] = (
                    f"round {line.references['round']}"
                )
        receipts = await store.disbursement_rows(conn, list(traced.disbursement_projects))
        owed = {r.id: -r.balance for r in await store.deposits(conn)}
    uses = []
    for record in mine:
        share = traced.contributions.get(record.id)
        if share is None:  # recorded here but not yet in the ledger's view
            continue
        grants = [
            GrantShare(g, traced.grant_projects[g], decisions.get(g), fund_trace.floor_cents(v))
            for g, v in share.grants.items()
        ]
        disbursed = [
            DisbursementShare(
                d,
                traced.disbursement_projects[d],
                receipts.get(d, (None, None))[0],
                receipts.get(d, (None, None))[1],
                fund_trace.floor_cents(v),
            )
            for d, v in share.disbursements.items()
        ]
        repaid, other = (
            fund_trace.floor_cents(share.repaid),
            fund_trace.floor_cents(share.other_out),
        )
        in_fund = fund_trace.floor_cents(share.in_fund)
        rounding = record.amount - sum(g.amount for g in grants) - repaid - other - in_fund
        uses.append(
            ContributionUse(
                record, owed.get(record.id, 0), grants, disbursed, repaid, other, in_fund, rounding
            )
        )
    return PartnerTrace(partner, uses, rt.clock())
