"""Typed ledger errors, each with a stable snake_case ``code`` and the ``field`` at fault.

    LedgerError                       ledger_error
     ├── InvalidTransaction           invalid_transaction
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
     ├── SignatureError               signature_error
     │    ├── MalformedSignature      malformed_signature
     │    ├── UnknownKey              unknown_key
     │    ├── InvalidSignature        invalid_signature
     │    ├── KeyNotValid             key_not_valid
     │    ├── NotCustodian            not_custodian
     │    ├── SignatureRequired       signature_required
     │    └── KeyCustody              key_custody
     ├── KeyAlreadyRegistered         key_already_registered
     ├── RecoveryNotPending           recovery_not_pending
     ├── RecoveryNotDue               recovery_not_due
     ├── AccountExists                account_exists
     ├── BoundsExcludeBalance         bounds_exclude_balance
     ├── UnknownBoundsDefault         unknown_bounds_default
     ├── TransactionNotFound          transaction_not_found
     ├── ReversalNotInverse           reversal_not_inverse
     ├── AlreadyReversed              already_reversed
     ├── ExceedsBalanceMin            exceeds_balance_min
     ├── ExceedsBalanceMax            exceeds_balance_max
     ├── IdempotencyKeyReused         idempotency_key_reused
     ├── ReplayNotYours               replay_not_yours
     ├── ReservedId                   reserved_id
     ├── ExceedsPot                   exceeds_pot
     ├── KindRuleBroken               kind_rule_broken
     │    ├── InvalidExchange        invalid_exchange
     │    ├── InvalidCommonsGift     invalid_commons_gift
     │    ├── InvalidCommonsPayment  invalid_commons_payment
     │    ├── InvalidPledge          invalid_pledge
     │    ├── InvalidAllocation      invalid_allocation
     │    ├── InvalidDelivery        invalid_delivery
     │    ├── InvalidRelease         invalid_release
     │    ├── InvalidContribution    invalid_contribution
     │    ├── InvalidDeposit         invalid_deposit
     │    ├── InvalidRepayment       invalid_repayment
     │    ├── InvalidGrant           invalid_grant
     │    ├── InvalidDisbursement    invalid_disbursement
     │    ├── InvalidGoodDeposit     invalid_good_deposit
     │    ├── InvalidLoan            invalid_loan
     │    ├── InvalidReturn          invalid_return
     │    ├── InvalidGive            invalid_give
     │    ├── InvalidGoodTransfer    invalid_good_transfer
     │    ├── InvalidCorrection      invalid_correction
     │    └── ExecutionMismatch      execution_mismatch
     ├── InvalidQuarter               invalid_quarter           core.quarters
     ├── ProposalNotYours             proposal_not_yours        core.timebank
     ├── ProposalNotPending           proposal_not_pending      core.timebank
     ├── ProposalExpired              proposal_expired          core.timebank
     ├── InvalidDuration              invalid_duration          core.timebank
     ├── SelfExchange                 self_exchange             core.timebank
     ├── ImplausibleAmount            implausible_amount
     ├── LoanLimitReached             loan_limit_reached        core.goods
     ├── NotBorrowed                  not_borrowed              core.goods
     ├── LoanNotOverdue               loan_not_overdue          core.goods
     ├── PledgeError                  pledge_error              core.pledges
     │    ├── QuarterEnded            quarter_ended
     │    ├── QuarterNotEnded         quarter_not_ended
     │    ├── ExceedsAllocation       exceeds_allocation
     │    ├── ExceedsHeld             exceeds_held
     │    └── NothingToRelease        nothing_to_release
     ├── FundError                    fund_error                core.fund
     │    ├── NotADeposit             not_a_deposit
     │    ├── ExceedsOwed             exceeds_owed
     │    └── ExceedsAvailable        exceeds_available
     ├── RoundError                   invalid_round             core.round_entries
     │    ├── RoundExists             round_exists              core.round_state
     │    ├── RoundMoved              round_moved
     │    ├── WrongPhase              round_phase
     │    ├── NotOnRoll               not_on_roll
     │    ├── DeadlinePassed          deadline_passed
     │    ├── ManifestChanged         manifest_changed
     │    ├── Infeasible              infeasible_allocation
     │    ├── AmendmentsExhausted     amendments_exhausted
     │    ├── OutcomeMismatch         round_outcome_mismatch
     │    └── RollMismatch            roll_mismatch
     ├── GroupError                   invalid_group             core.groups
     │    └── GroupRule               group_rule
     ├── PactError                    invalid_pact              core.pact
     │    └── PactRule                pact_rule
     ├── NotListed                    not_listed                core.territory_lists
     └── AlreadyListed                already_listed

An error defined outside this module names its module on the right; the errors after
it in its subtree (its children, its later siblings) live there too, until one names
another. ``InvalidTransaction``: the request itself
is wrong, whatever the ledger holds. ``SignatureError`` is about who signed, not about
the payload: it is never stored for replay (re-sign and resend). The tree is complete:
``tests/test_error_tree.py`` fails when an error of ``mutual.core`` is missing from it,
with its code or under its parent.

``ReservedId``, like ``SignatureError``, is never stored for replay: the id stays free
for the derivation it belongs to. ``KindRuleBroken``: the transaction's accounts or
references are not what its kind means (``core.kinds``).

When several apply, the first in this order wins (the rules run in this order):
shape of the transaction, signatures over the payload, an id in the derived namespace,
accounts and units, authority (keys valid at this log index and signed by whom the
rule requires), reversal, the kind's rule, bounds.
Only ``api/problems.py`` knows which HTTP status each code gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

# What a refusal carries for people besides its code: amounts as integers in the facts'
# ``unit``, and a ``variant`` choosing among the code's texts (core.problem_words).
Facts = Mapping[str, int | str]


class LedgerError(Exception):
    """Base of every rule violation; carries a stable code, the field at fault, and the
    facts a person needs to understand it (the ``detail`` is a technical note)."""

    code: ClassVar[str] = "ledger_error"

    def __init__(
        self, detail: str, *, field: str | None = None, facts: Facts | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.facts: dict[str, int | str] = dict(facts or {})


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


class ReplayNotYours(LedgerError):
    """The same request again, from a principal who did not make it first: its answer
    (the balances after it, or why it was refused) is not theirs to read."""

    code = "replay_not_yours"


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


class KeyCustody(SignatureError):
    """A member's key changed without the member's own key or a recovery: the operator
    (the log key) alone may not register, revoke or replace a member's key."""

    code = "key_custody"


class KeyAlreadyRegistered(LedgerError):
    code = "key_already_registered"


class RecoveryNotPending(LedgerError):
    """The recovery named is unknown, of another member, cancelled or already completed."""

    code = "recovery_not_pending"


class RecoveryNotDue(LedgerError):
    """A recovery completed before its request's time plus the wait it states."""

    code = "recovery_not_due"


class AccountExists(LedgerError):
    code = "account_exists"


class BoundsExcludeBalance(LedgerError):
    code = "bounds_exclude_balance"


class UnknownBoundsDefault(LedgerError):
    code = "unknown_bounds_default"


def error_from_code(
    code: str, detail: str, field: str | None, facts: Facts | None = None
) -> LedgerError:
    """Rebuild the typed error a stored refusal recorded (for answering a replay)."""
    pending: list[type[LedgerError]] = [LedgerError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls(detail, field=field, facts=facts)
        pending.extend(cls.__subclasses__())
    return LedgerError(detail, field=field, facts=facts)


class ReservedId(LedgerError):
    """A client chose an id in the namespace of the ids the service derives (UUIDv5).

    Never kept for replay: the id stays free for the derivation it belongs to.
    """

    code = "reserved_id"


class ExceedsPot(LedgerError):
    """A payment from the commons pot of more than it holds."""

    code = "exceeds_pot"


class KindRuleBroken(LedgerError):
    """A transaction whose accounts or references are not what its kind means."""

    code = "kind_rule_broken"


class InvalidExchange(KindRuleBroken):
    code = "invalid_exchange"


class InvalidCommonsGift(KindRuleBroken):
    code = "invalid_commons_gift"


class InvalidCommonsPayment(KindRuleBroken):
    code = "invalid_commons_payment"


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


class InvalidCorrection(KindRuleBroken):
    code = "invalid_correction"


class ExecutionMismatch(KindRuleBroken):
    """A transaction naming a round that is not exactly that round's recorded decision."""

    code = "execution_mismatch"
