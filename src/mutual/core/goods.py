"""Shared goods: item counts per kind (unit ``GOOD.<slug>``) at collection points.

A collection point is a principal without keys; its keepers are its custodians. Every
account of the flow is owned by the point, so every movement is signed by one of its
keepers on its behalf:

- ``stock(P, k)``: the items of kind ``k`` on the shelves of ``P``, never below zero;
- ``intake(P, k)``: unbounded source, what entered the territory at ``P`` (its balance
  is minus that count);
- ``given(P, k)``: unbounded sink, what ``P`` gave away;
- ``loan(m, P, k)``: what member ``m`` holds on loan from ``P``, between zero and the
  open-loan limit, so a return of what was not borrowed is refused by the ledger itself.

Account ids are derived from what the account is for, so a flow composes the same
transaction on a resend. Transactions carry ids only: households and names stay in the
flow's own tables.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId
from mutual.core.roles import AccountRole, RoleName
from mutual.core.units import good_unit


class LoanLimitReached(LedgerError):
    """The member already holds as many items on loan as the territory allows."""

    code = "loan_limit_reached"


class NotBorrowed(LedgerError):
    """A return of more items than the loan still has out."""

    code = "not_borrowed"


class LoanNotOverdue(LedgerError):
    """A reminder is sent for a loan past its due date only (or none is left out)."""

    code = "loan_not_overdue"


class Role(StrEnum):
    STOCK = "stock"
    INTAKE = "intake"
    GIVEN = "given"
    LOAN = "loan"


def _point_account_id(role: Role, point: UUID, slug: str) -> AccountId:
    return derived.point_account_id(role.value, point, slug)


def stock_id(point: UUID, slug: str) -> AccountId:
    return _point_account_id(Role.STOCK, point, slug)


def intake_id(point: UUID, slug: str) -> AccountId:
    return _point_account_id(Role.INTAKE, point, slug)


def given_id(point: UUID, slug: str) -> AccountId:
    return _point_account_id(Role.GIVEN, point, slug)


def loan_account_id(member: UUID, point: UUID, slug: str) -> AccountId:
    return derived.loan_account_id(member, point, slug)


def point_role(account_id: UUID, point: UUID, slug: str) -> Role:
    """Which of the point's accounts of kind ``slug`` this is (the rest are loans)."""
    for role in (Role.STOCK, Role.INTAKE, Role.GIVEN):
        if _point_account_id(role, point, slug) == account_id:
            return role
    return Role.LOAN


def _owned(
    account_id: AccountId,
    point: UUID,
    slug: str,
    low: int | None,
    high: int | None,
    role: AccountRole,
) -> Account:
    return open_account(
        account_id, good_unit(slug), OwnerKind.COLLECTION_POINT, str(point), low, high, role
    )


def stock_account(point: UUID, slug: str) -> Account:
    role = AccountRole(RoleName.STOCK, point=point)
    return _owned(stock_id(point, slug), point, slug, 0, None, role)


def intake_account(point: UUID, slug: str) -> Account:
    role = AccountRole(RoleName.INTAKE, point=point)
    return _owned(intake_id(point, slug), point, slug, None, None, role)


def given_account(point: UUID, slug: str) -> Account:
    role = AccountRole(RoleName.GIVEN, point=point)
    return _owned(given_id(point, slug), point, slug, None, None, role)


def loan_account(member: UUID, point: UUID, slug: str, open_loans_max: int) -> Account:
    """What the member holds from the point; its upper bound is the open-loan limit in
    force when it opened, which the fold also applies to all their loans together."""
    role = AccountRole(RoleName.LOAN, member=member, point=point)
    return _owned(loan_account_id(member, point, slug), point, slug, 0, open_loans_max, role)


def is_overdue(due_on: date, outstanding: int, today: date) -> bool:
    return outstanding > 0 and due_on < today
