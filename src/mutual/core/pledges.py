"""Volunteer time pledged to the territorial project, as two-phase transfers in ``PLEDGE``.

A member pledges minutes for a quarter without saying for what; the coordination
group allocates them to projects; the project's lead confirms the minutes delivered;
at quarter end what is still held is released. Each step is a transaction between
accounts kept per member and quarter, so the ledger's own bounds enforce the rules:

    promise(m, Q)     owned by the member, balance_max 0: minus what m still promises
    held(m, Q)        the pledge pool's share of m's pledge, balance_min 0
    allocated(m,P,Q)  owned by project P, balance_min 0: allocated, not yet delivered
    P's PLEDGE        owned by project P: the minutes delivered to it

    pledge       promise -n  →  held +n        signed by the member
    allocation   held -n     →  allocated +n   signed by an operator (the round)
    delivery     allocated -n → P's PLEDGE +n  signed by P's lead, on P's behalf
    release      held -n     →  promise +n     signed by an operator, after the quarter

So nobody allocates more than was pledged, nor delivers more than was allocated, even
under concurrency; and pledged = allocated + released + still held, for every member
and quarter.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.errors import LedgerError, TooFewPostings
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.quarters import Quarter
from mutual.core.roles import AccountRole, RoleName
from mutual.core.transactions import Posting, Transaction, TransactionKind, transfer_transaction
from mutual.core.units import PLEDGE

POOL_OWNER: Final = "pledge_pool"


class PledgeError(LedgerError):
    code = "pledge_error"


class QuarterEnded(PledgeError):
    code = "quarter_ended"


class QuarterNotEnded(PledgeError):
    code = "quarter_not_ended"


class ExceedsAllocation(PledgeError):
    code = "exceeds_allocation"


class ExceedsHeld(PledgeError):
    code = "exceeds_held"


class NothingToRelease(PledgeError):
    code = "nothing_to_release"


class Role(StrEnum):
    PROMISE = "promise"
    HELD = "held"
    ALLOCATED = "allocated"


@dataclass(frozen=True, slots=True)
class PledgeAccount:
    """Which promise, pool share or allocation a ``PLEDGE`` account is."""

    account: Account
    role: Role
    member_id: PrincipalId
    quarter: Quarter
    project_id: uuid.UUID | None = None


# Ids are derived from what the account is for (core.derived), so composing a flow twice
# opens the same one; the role names the member, quarter and project for the fold.


def promise_account(member: PrincipalId, quarter: Quarter) -> PledgeAccount:
    role = AccountRole(RoleName.PROMISE, member=member, quarter=str(quarter))
    account = open_account(
        derived.promise_account_id(member, quarter),
        PLEDGE,
        OwnerKind.MEMBER,
        str(member),
        None,
        0,
        role,
    )
    return PledgeAccount(account, Role.PROMISE, member, quarter)


def held_account(member: PrincipalId, quarter: Quarter) -> PledgeAccount:
    role = AccountRole(RoleName.HELD, member=member, quarter=str(quarter))
    account = open_account(
        derived.held_account_id(member, quarter),
        PLEDGE,
        OwnerKind.COMMONS_POOL,
        POOL_OWNER,
        0,
        None,
        role,
    )
    return PledgeAccount(account, Role.HELD, member, quarter)


def allocated_account(
    member: PrincipalId, project_id: uuid.UUID, quarter: Quarter
) -> PledgeAccount:
    role = AccountRole(RoleName.ALLOCATED, member=member, project=project_id, quarter=str(quarter))
    account = open_account(
        derived.allocated_account_id(member, project_id, quarter),
        PLEDGE,
        OwnerKind.PROJECT,
        str(project_id),
        0,
        None,
        role,
    )
    return PledgeAccount(account, Role.ALLOCATED, member, quarter, project_id)


@dataclass(frozen=True, slots=True)
class Flow:
    """A composed transaction and the accounts it touches (opened first if new)."""

    transaction: Transaction
    accounts: tuple[PledgeAccount, ...]


def pledge(
    tx_id: TransactionId,
    member: PrincipalId,
    quarter: Quarter,
    minutes: int,
    *,
    today: date | None,
) -> Flow:
    """The member promises ``minutes`` for ``quarter``; the pool holds them.

    ``today`` is ``None`` for the resend of a recorded pledge, composed only to be
    answered as its replay whatever the date.
    """
    if today is not None and quarter.ended(today):
        raise QuarterEnded(f"{quarter} has ended", field="quarter")
    promise, held = promise_account(member, quarter), held_account(member, quarter)
    tx = transfer_transaction(
        tx_id,
        TransactionKind.PLEDGE,
        PLEDGE,
        promise.account.id,
        held.account.id,
        minutes,
        member,
        {"quarter": str(quarter)},
    )
    return Flow(tx, (promise, held))


@dataclass(frozen=True, slots=True)
class AllocationLine:
    member_id: PrincipalId
    project_id: uuid.UUID
    minutes: int


def distribute(
    held: Mapping[PrincipalId, int], wanted: Sequence[tuple[uuid.UUID, int]]
) -> list[AllocationLine]:
    """Share each project's wanted minutes among members' held pledges.

    Projects are served in the order given; each takes from the members holding the
    most first (ties by id), so a volunteer's hours go to few projects rather than a
    sliver to each. Raises ``ExceedsHeld`` when the pool cannot cover a project.
    """
    remaining = {m: n for m, n in held.items() if n > 0}
    lines: list[AllocationLine] = []
    for i, (project, minutes) in enumerate(wanted):
        need = minutes
        for member in sorted(remaining, key=lambda m: (-remaining[m], str(m))):
            if need == 0:
                break
            take = min(need, remaining[member])
            if take:
                lines.append(AllocationLine(member, project, take))
                remaining[member] -= take
                need -= take
        if need:
            raise ExceedsHeld(
                f"the pool holds {minutes - need} minutes of the {minutes} asked",
                field=f"lines[{i}].minutes",
            )
    return lines


def allocation(
    tx_id: TransactionId,
    quarter: Quarter,
    lines: Sequence[AllocationLine],
    *,
    initiator: PrincipalId,
    decision: str,
    today: date | None,
) -> Flow:
    """Move held minutes to (member, project) allocations, in one transaction
    (``today`` as for ``pledge``)."""
    if today is not None and quarter.ended(today):
        raise QuarterEnded(f"{quarter} has ended", field="quarter")
    if not lines:
        raise TooFewPostings("an allocation has at least one line", field="lines")
    per_member: dict[PrincipalId, int] = {}
    per_allocation: dict[tuple[PrincipalId, uuid.UUID], int] = {}
    for line in lines:
        per_member[line.member_id] = per_member.get(line.member_id, 0) + line.minutes
        key = (line.member_id, line.project_id)
        per_allocation[key] = per_allocation.get(key, 0) + line.minutes
    touched: list[PledgeAccount] = []
    postings: list[Posting] = []
    for member, minutes in sorted(per_member.items(), key=lambda kv: str(kv[0])):
        held = held_account(member, quarter)
        touched.append(held)
        postings.append(Posting(held.account.id, PLEDGE, -minutes))
    for (member, project), minutes in sorted(per_allocation.items(), key=str):
        allocated = allocated_account(member, project, quarter)
        touched.append(allocated)
        postings.append(Posting(allocated.account.id, PLEDGE, minutes))
    references = {"quarter": str(quarter)} | ({"decision": decision} if decision else {})
    tx = Transaction(tx_id, TransactionKind.ALLOCATION, tuple(postings), initiator, "", references)
    return Flow(tx, tuple(touched))


def delivery(
    tx_id: TransactionId,
    member: PrincipalId,
    project_id: uuid.UUID,
    project_account: AccountId,
    quarter: Quarter,
    minutes: int,
    *,
    initiator: PrincipalId,
) -> Flow:
    """The lead confirms ``minutes`` the member gave the project out of its allocation."""
    allocated = allocated_account(member, project_id, quarter)
    tx = transfer_transaction(
        tx_id,
        TransactionKind.DELIVERY,
        PLEDGE,
        allocated.account.id,
        project_account,
        minutes,
        initiator,
        {"quarter": str(quarter), "member": str(member)},
    )
    return Flow(tx, (allocated,))


def release(
    tx_id: TransactionId,
    quarter: Quarter,
    held: Mapping[PrincipalId, int],
    *,
    initiator: PrincipalId,
    today: date,
) -> Flow:
    """After the quarter, everything still held goes back to its promise: it lapses."""
    if not quarter.ended(today):
        raise QuarterNotEnded(f"{quarter} ends on {quarter.ends_on}", field="quarter")
    members = sorted((m for m, n in held.items() if n > 0), key=str)
    if not members:
        raise NothingToRelease(f"nothing is held for {quarter}", field="quarter")
    touched: list[PledgeAccount] = []
    postings: list[Posting] = []
    for member in members:
        h, p = held_account(member, quarter), promise_account(member, quarter)
        touched += [h, p]
        postings += [
            Posting(h.account.id, PLEDGE, -held[member]),
            Posting(p.account.id, PLEDGE, held[member]),
        ]
    tx = Transaction(
        tx_id,
        TransactionKind.PLEDGE_RELEASE,
        tuple(postings),
        initiator,
        references={"quarter": str(quarter)},
    )
    return Flow(tx, tuple(touched))


def release_id(quarter: Quarter) -> TransactionId:
    """A quarter is released once: its release has an id of its own."""
    return derived.release_id(quarter)


@dataclass(frozen=True, slots=True)
class MemberQuarter:
    """What a member pledged in a quarter and what became of it, in minutes."""

    pledged: int
    held: int
    allocated: int
    delivered: int
    released: int


def summarise(sums: Mapping[tuple[Role, TransactionKind], int], held_balance: int) -> MemberQuarter:
    """A member's quarter from the sums of postings per (account role, transaction kind).

    Signs follow the postings: a pledge debits the promise, a release credits it back,
    an allocation credits the allocation accounts and a delivery debits them.
    """
    return MemberQuarter(
        pledged=-sums.get((Role.PROMISE, TransactionKind.PLEDGE), 0),
        held=held_balance,
        allocated=sums.get((Role.ALLOCATED, TransactionKind.ALLOCATION), 0),
        delivered=-sums.get((Role.ALLOCATED, TransactionKind.DELIVERY), 0),
        released=sums.get((Role.PROMISE, TransactionKind.PLEDGE_RELEASE), 0),
    )
