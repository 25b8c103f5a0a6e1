"""Applying a transaction to the ledger state: the fold every writer and verifier shares.

``apply_transaction`` is pure: it reads the accounts and reversal facts it is given and
returns the new account states and the recorded postings, or raises the first rule the
transaction breaks, in the precedence documented in ``mutual.core.errors``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

from mutual.core.accounts import Account
from mutual.core.authority import authorise_signed
from mutual.core.errors import (
    AccountNotFound,
    AlreadyReversed,
    ExceedsBalanceMax,
    ExceedsBalanceMin,
    ReversalNotInverse,
    TransactionNotFound,
    UnitMismatch,
)
from mutual.core.ids import AccountId, TransactionId
from mutual.core.registry import Registry
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction, check_shape, inverse_postings
from mutual.core.units import counted_in


@dataclass(frozen=True, slots=True)
class RecordedPosting:
    """A posting as written: the account's version and balance right after it."""

    account_id: AccountId
    unit: str
    amount: int
    account_version: int
    balance_after: int
    balance_min: int | None
    balance_max: int | None


@dataclass(frozen=True, slots=True)
class Applied:
    """The effect of one accepted transaction."""

    transaction: Transaction
    log_index: int
    postings: tuple[RecordedPosting, ...]
    accounts: tuple[Account, ...]


def check_reversal(
    tx: Transaction,
    originals: Mapping[TransactionId, tuple[Posting, ...]],
    reversed_ids: Set[TransactionId],
) -> None:
    """A correction names an existing transaction not yet reversed and exactly undoes it."""
    if tx.reverses is None:
        return
    original = originals.get(tx.reverses)
    if original is None:
        raise TransactionNotFound("the transaction to reverse does not exist", field="reverses")
    if tx.reverses in reversed_ids:
        raise AlreadyReversed("that transaction has already been reversed", field="reverses")
    expected = {(p.account_id, p.unit, p.amount) for p in inverse_postings(original)}
    if {(p.account_id, p.unit, p.amount) for p in tx.postings} != expected:
        raise ReversalNotInverse(
            "a reversal's postings are the exact inverse of the original's", field="postings"
        )


def check_bounds(account: Account, amount: int, *, field: str) -> int:
    """The balance after posting ``amount``, refusing only a move that worsens a bound.

    An account already outside a bound (because the bound was tightened) may still
    move towards it; lowering a limit never fails an unrelated transaction.
    """
    after = account.balance + amount
    if amount < 0 and account.balance_min is not None and after < account.balance_min:
        raise ExceedsBalanceMin(
            f"balance would fall to {after}, below balance_min {account.balance_min}: "
            f"{account.balance_min - after} {counted_in(account.unit)} missing",
            field=field,
            facts={
                "unit": account.unit,
                "balance": account.balance,
                "bound": account.balance_min,
                "gap": account.balance_min - after,
            },
        )
    if amount > 0 and account.balance_max is not None and after > account.balance_max:
        raise ExceedsBalanceMax(
            f"balance would rise to {after}, above balance_max {account.balance_max}: "
            f"{after - account.balance_max} {counted_in(account.unit)} too many",
            field=field,
            facts={
                "unit": account.unit,
                "balance": account.balance,
                "bound": account.balance_max,
                "gap": after - account.balance_max,
            },
        )
    return after


def apply_transaction(
    tx: Transaction,
    signatures: tuple[Signature, ...],
    *,
    registry: Registry,
    accounts: Mapping[AccountId, Account],
    originals: Mapping[TransactionId, tuple[Posting, ...]],
    reversed_ids: Set[TransactionId],
    log_index: int,
    kind_rule: Callable[[], None] | None = None,
) -> Applied:
    """Check ``tx`` against the ledger state and return its effect, or raise a LedgerError.

    The signatures must already verify over the payload; here they are checked against
    the registry as it stands at ``log_index``. ``kind_rule`` (the fold's check of what
    the transaction's kind means) runs after the reversal check, before the bounds.
    """
    check_shape(tx)
    for i, posting in enumerate(tx.postings):
        account = accounts.get(posting.account_id)
        if account is None:
            raise AccountNotFound("no such account", field=f"postings[{i}].account_id")
        if account.unit != posting.unit:
            raise UnitMismatch(
                f"account holds {account.unit}, posting is in {posting.unit}",
                field=f"postings[{i}].unit",
            )
    authorise_signed(tx, accounts, signatures, registry, log_index=log_index)
    check_reversal(tx, originals, reversed_ids)
    if kind_rule is not None:
        kind_rule()
    recorded: list[RecordedPosting] = []
    updated: list[Account] = []
    for i, posting in enumerate(tx.postings):
        account = accounts[posting.account_id]
        after = check_bounds(account, posting.amount, field=f"postings[{i}].amount")
        new = account.with_balance(after)
        updated.append(new)
        recorded.append(
            RecordedPosting(
                posting.account_id,
                posting.unit,
                posting.amount,
                new.version,
                after,
                account.balance_min,
                account.balance_max,
            )
        )
    return Applied(tx, log_index, tuple(recorded), tuple(updated))
