"""Changing an account's bounds, or the territory's default bounds, as ledger records.

A coordinator's decision to let a member go further into debt (or hold more credit) is
part of what makes a balance legitimate, so it is a signed log entry like the opening
of the account: an auditor replaying the log knows which bounds held at every index.

A change of the territory's default is one entry naming the unit and owner kind it is
the default for; the accounts it applies to follow it in the same atomic write, each
as an account change that ``follows`` the default (and must carry the same bounds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from uuid import UUID

from mutual.core.accounts import Account, OwnerKind, check_bounds
from mutual.core.errors import (
    AccountNotFound,
    BoundsExcludeBalance,
    Facts,
    InvalidBounds,
    UnknownBoundsDefault,
)
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.units import Unit


@dataclass(frozen=True, slots=True)
class BoundsDefault:
    """What a territory-wide default applies to."""

    unit: Unit
    owner_kind: OwnerKind


@dataclass(frozen=True, slots=True)
class BoundsChange:
    """New bounds for one account, or a new default for new accounts of a kind.

    ``by`` names the principal who decided (a pseudonymous id; the reason, free text,
    stays out of the log). ``follows`` names the default change an account change applies.
    """

    id: UUID
    by: PrincipalId
    balance_min: int | None
    balance_max: int | None
    account_id: AccountId | None = None
    default_for: BoundsDefault | None = None
    follows: UUID | None = None

    @property
    def bounds(self) -> tuple[int | None, int | None]:
        return self.balance_min, self.balance_max


def check_change(change: BoundsChange) -> None:
    """The change's own shape: sensible bounds, and exactly one thing it applies to."""
    check_bounds(change.balance_min, change.balance_max)
    if (change.account_id is None) == (change.default_for is None):
        raise InvalidBounds(
            "a bounds change names either an account or the default it sets", field="account_id"
        )
    if change.follows is not None and change.account_id is None:
        raise InvalidBounds("only an account change follows a default", field="follows")


def _gap_facts(variant: str, account: Account, bound: int, gap: int) -> Facts:
    """For people: the balance, the bound it misses and by how much, in the account's unit."""
    return {
        "variant": variant,
        "unit": account.unit,
        "balance": account.balance,
        "bound": bound,
        "gap": gap,
    }


def apply_bounds_change(
    change: BoundsChange,
    accounts: Mapping[AccountId, Account],
    defaults: Mapping[UUID, BoundsChange],
) -> Account | None:
    """The account under its new bounds (``None`` for a default change).

    Refused when the account's balance would lie outside the new bounds: a change never
    puts anyone past a limit, so "no balance beyond its bounds" holds at every index.
    """
    check_change(change)
    if change.account_id is None:
        return None
    account = accounts.get(change.account_id)
    if account is None:
        raise AccountNotFound(f"no account {change.account_id}", field="account_id")
    if change.follows is not None:
        default = defaults.get(change.follows)
        if default is None or default.default_for is None:
            raise UnknownBoundsDefault(
                f"no default bounds change {change.follows} precedes this one", field="follows"
            )
        if default.bounds != change.bounds or default.default_for != BoundsDefault(
            account.unit, account.owner_kind
        ):
            raise UnknownBoundsDefault(
                "an account change following a default carries its bounds, for its kind",
                field="follows",
            )
    if change.balance_min is not None and account.balance < change.balance_min:
        missing = change.balance_min - account.balance
        raise BoundsExcludeBalance(
            f"account {account.id}: the balance {account.balance} is {missing} "
            f"below the new balance_min {change.balance_min}",
            field="balance_min",
            facts=_gap_facts("min", account, change.balance_min, missing),
        )
    if change.balance_max is not None and account.balance > change.balance_max:
        excess = account.balance - change.balance_max
        raise BoundsExcludeBalance(
            f"account {account.id}: the balance {account.balance} is {excess} "
            f"above the new balance_max {change.balance_max}",
            field="balance_max",
            facts=_gap_facts("max", account, change.balance_max, excess),
        )
    return replace(account, balance_min=change.balance_min, balance_max=change.balance_max)
