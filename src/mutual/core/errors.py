"""Typed ledger errors, each with a stable snake_case ``code`` and the ``field`` at fault.

    LedgerError
     ├── InvalidTransaction           the request itself is wrong, whatever the ledger holds
     │    ├── InvalidUnit             invalid_unit
     │    ├── InvalidBounds           invalid_bounds
     │    ├── AmountZero              amount_zero
     │    ├── AmountOutOfRange        amount_out_of_range
     │    ├── TooFewPostings          too_few_postings
     │    ├── DuplicateAccount        duplicate_account
     │    ├── TransactionNotBalanced  transaction_not_balanced
     │    └── ReversalKindMismatch    reversal_kind_mismatch
     ├── AccountNotFound              account_not_found
     ├── UnitMismatch                 unit_mismatch
     ├── NotAuthorised                not_authorised
     ├── TransactionNotFound          transaction_not_found
     ├── ReversalNotInverse           reversal_not_inverse
     ├── AlreadyReversed              already_reversed
     ├── ExceedsBalanceMin            exceeds_balance_min
     ├── ExceedsBalanceMax            exceeds_balance_max
     └── IdempotencyKeyReused         idempotency_key_reused

When several apply, the first in this order wins (the rules run in this order):
shape of the transaction, accounts and units, authority, reversal, bounds.
Only ``api/problems.py`` knows which HTTP status each code gets.
"""

from __future__ import annotations

from typing import ClassVar


class LedgerError(Exception):
    """Base of every rule violation; carries a stable code and the field at fault."""

    code: ClassVar[str] = "ledger_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidTransaction(LedgerError):
    code = "invalid_transaction"


class InvalidUnit(InvalidTransaction):
    code = "invalid_unit"


class InvalidBounds(InvalidTransaction):
    code = "invalid_bounds"


class AmountZero(InvalidTransaction):
    code = "amount_zero"


class AmountOutOfRange(InvalidTransaction):
    code = "amount_out_of_range"


class TooFewPostings(InvalidTransaction):
    code = "too_few_postings"


class DuplicateAccount(InvalidTransaction):
    code = "duplicate_account"


class TransactionNotBalanced(InvalidTransaction):
    code = "transaction_not_balanced"


class ReversalKindMismatch(InvalidTransaction):
    code = "reversal_kind_mismatch"


class AccountNotFound(LedgerError):
    code = "account_not_found"


class UnitMismatch(LedgerError):
    code = "unit_mismatch"


class NotAuthorised(LedgerError):
    code = "not_authorised"


class TransactionNotFound(LedgerError):
    code = "transaction_not_found"


class ReversalNotInverse(LedgerError):
    code = "reversal_not_inverse"


class AlreadyReversed(LedgerError):
    code = "already_reversed"


class ExceedsBalanceMin(LedgerError):
    code = "exceeds_balance_min"


class ExceedsBalanceMax(LedgerError):
    code = "exceeds_balance_max"


class IdempotencyKeyReused(LedgerError):
    code = "idempotency_key_reused"
