"""Accounts: one unit, an owner, bounds, and the materialised balance with its version."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mutual.core.errors import InvalidBounds
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.roles import AccountRole
from mutual.core.units import Unit, check_bound


class OwnerKind(StrEnum):
    MEMBER = "member"
    ORGANISATION = "organisation"
    PROJECT = "project"
    COMMONS_POOL = "commons_pool"
    COLLECTION_POINT = "collection_point"
    OUTSIDE_WORLD = "outside_world"


@dataclass(frozen=True, slots=True)
class Account:
    """An account and its state; ``None`` bounds mean unbounded on that side.

    ``version`` counts the postings on the account, so ``(id, version)`` names one
    posting and the balance right after it.
    """

    id: AccountId
    unit: Unit
    owner_kind: OwnerKind
    owner_id: str
    balance_min: int | None
    balance_max: int | None
    balance: int = 0
    version: int = 0
    # What the account is for (core.roles), signed in its opening; None for a plain one.
    role: AccountRole | None = None

    def owned_by(self, principal_id: PrincipalId) -> bool:
        return self.owner_kind is OwnerKind.MEMBER and self.owner_id == str(principal_id)

    def with_balance(self, balance: int) -> Account:
        # Called for every posting the verifier folds: the constructor is about four
        # times as fast as dataclasses.replace, which inspects the fields on each call.
        return Account(
            self.id,
            self.unit,
            self.owner_kind,
            self.owner_id,
            self.balance_min,
            self.balance_max,
            balance,
            self.version + 1,
            self.role,
        )


def open_account(
    account_id: AccountId,
    unit: Unit,
    owner_kind: OwnerKind,
    owner_id: str,
    balance_min: int | None,
    balance_max: int | None,
    role: AccountRole | None = None,
) -> Account:
    """A new account at balance zero, after checking its bounds make sense."""
    check_bounds(balance_min, balance_max)
    return Account(account_id, unit, owner_kind, owner_id, balance_min, balance_max, role=role)


def check_bounds(balance_min: int | None, balance_max: int | None) -> None:
    check_bound(balance_min, field="balance_min")
    check_bound(balance_max, field="balance_max")
    if balance_min is not None and balance_max is not None and balance_min > balance_max:
        raise InvalidBounds("balance_min must not exceed balance_max", field="balance_min")
