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
     │    ├── ReversalKindMismatch    reversal_kind_mismatch
     │    ├── MemoSaltRequired        memo_salt_required
     │    └── InvalidKeyEvent         invalid_key_event
     ├── AccountNotFound              account_not_found
     ├── UnitMismatch                 unit_mismatch
     ├── NotAuthorised                not_authorised
     ├── SignatureError               (never stored for replay: re-sign and resend)
     │    ├── MalformedSignature      malformed_signature
     │    ├── UnknownKey              unknown_key
     │    ├── InvalidSignature        invalid_signature
     │    ├── KeyNotValid             key_not_valid
     │    ├── NotCustodian            not_custodian
     │    └── SignatureRequired       signature_required
     ├── KeyAlreadyRegistered         key_already_registered
     ├── AccountExists                account_exists
     ├── BoundsExcludeBalance         bounds_exclude_balance
     ├── UnknownBoundsDefault         unknown_bounds_default
     ├── TransactionNotFound          transaction_not_found
     ├── ReversalNotInverse           reversal_not_inverse
     ├── AlreadyReversed              already_reversed
     ├── ExceedsBalanceMin            exceeds_balance_min
     ├── ExceedsBalanceMax            exceeds_balance_max
     └── IdempotencyKeyReused         idempotency_key_reused

When several apply, the first in this order wins (the rules run in this order):
shape of the transaction, signatures over the payload, accounts and units, authority
(keys valid at this log index and signed by whom the rule requires), reversal, bounds.
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


class MemoSaltRequired(InvalidTransaction):
    code = "memo_salt_required"


class InvalidKeyEvent(InvalidTransaction):
    code = "invalid_key_event"


class SignatureError(LedgerError):
    """A refusal about who signed, not about the payload: a replay is checked afresh."""

    code = "signature_error"


class MalformedSignature(SignatureError):
    code = "malformed_signature"


class UnknownKey(SignatureError):
    code = "unknown_key"


class InvalidSignature(SignatureError):
    code = "invalid_signature"


class KeyNotValid(SignatureError):
    code = "key_not_valid"


class NotCustodian(SignatureError):
    code = "not_custodian"


class SignatureRequired(SignatureError):
    code = "signature_required"


class KeyAlreadyRegistered(LedgerError):
    code = "key_already_registered"


class AccountExists(LedgerError):
    code = "account_exists"


class BoundsExcludeBalance(LedgerError):
    code = "bounds_exclude_balance"


class UnknownBoundsDefault(LedgerError):
    code = "unknown_bounds_default"


def error_from_code(code: str, detail: str, field: str | None) -> LedgerError:
    """Rebuild the typed error a stored refusal recorded (for answering a replay)."""
    pending: list[type[LedgerError]] = [LedgerError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls(detail, field=field)
        pending.extend(cls.__subclasses__())
    return LedgerError(detail, field=field)


class ReservedId(LedgerError):
    """A client chose an id in the namespace of the ids the service derives (UUIDv5).

    Never kept for replay: the id stays free for the derivation it belongs to.
    """

    code = "reserved_id"


class KindRuleBroken(LedgerError):
    """A transaction whose accounts or references are not what its kind means."""

    code = "kind_rule_broken"


class InvalidExchange(KindRuleBroken):
    code = "invalid_exchange"


class InvalidCommonsGift(KindRuleBroken):
    code = "invalid_commons_gift"


class InvalidPledge(KindRuleBroken):
    code = "invalid_pledge"


class InvalidAllocation(KindRuleBroken):
    code = "invalid_allocation"


class InvalidDelivery(KindRuleBroken):
    code = "invalid_delivery"


class InvalidRelease(KindRuleBroken):
    code = "invalid_release"


class InvalidContribution(KindRuleBroken):
    code = "invalid_contribution"


class InvalidDeposit(KindRuleBroken):
    code = "invalid_deposit"


class InvalidRepayment(KindRuleBroken):
    code = "invalid_repayment"


class InvalidGrant(KindRuleBroken):
    code = "invalid_grant"


class InvalidDisbursement(KindRuleBroken):
    code = "invalid_disbursement"


class InvalidGoodDeposit(KindRuleBroken):
    code = "invalid_good_deposit"


class InvalidLoan(KindRuleBroken):
    code = "invalid_loan"


class InvalidReturn(KindRuleBroken):
    code = "invalid_return"


class InvalidGive(KindRuleBroken):
    code = "invalid_give"


class InvalidGoodTransfer(KindRuleBroken):
    code = "invalid_good_transfer"


class ExecutionMismatch(KindRuleBroken):
    """A transaction naming a round that is not exactly that round's recorded decision."""

    code = "execution_mismatch"
