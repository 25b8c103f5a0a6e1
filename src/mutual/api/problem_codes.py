"""The problem codes a route may answer besides the edge's, in named groups a route's
decorator spreads into ``problem_responses``.

Each operation declares only what it can answer: its decorator names its own codes
(``responses=problem_responses(*SIGNED_FLOW, *PLEDGE_RULES, "not_found")``), and the app
adds what the edge may refuse before the handler runs (``problems.declare_edge_problems``:
a malformed request or an unknown query parameter, the token and the permission matrix
and a page's CSRF token, a rate limit, the body's size and type, a ``cursor`` not issued
for the list, an unavailable service). A code answered but not declared is logged
and counted (``problems.UNDECLARED``); ``tests/test_declared_problems.py`` fails on it.

The groups follow the rules' order in ``core.errors``: shape, signatures, derived ids,
accounts and units, authority, reversal, the kind's rule, bounds.
"""

from __future__ import annotations

# Who signed: any signed write (a flow's first step answers ``unsigned`` with the payload).
SIGNATURES = (
    "unsigned",
    "malformed_signature",
    "unknown_key",
    "invalid_signature",
    "key_not_valid",
    "not_custodian",
    "signature_required",
    "key_custody",
)

# An id the client chose: replays, reuse with other bytes, a derived id taken.
CLIENT_ID = ("idempotency_key_reused", "replay_not_yours", "reserved_id")

BOUNDS = ("exceeds_balance_min", "exceeds_balance_max")

# A transaction's accounts and amounts, whatever its kind.
ACCOUNTS = ("account_not_found", "unit_mismatch", "amount_out_of_range", "amount_zero")

# Any flow that composes and writes a signed transaction (its kind's rule comes beside).
SIGNED_FLOW = (*SIGNATURES, *CLIENT_ID, *ACCOUNTS, *BOUNDS, "not_found", "invalid_duration")

PLEDGE_RULES = (
    "invalid_quarter",
    "quarter_ended",
    "quarter_not_ended",
    "exceeds_held",
    "exceeds_allocation",
    "nothing_to_release",
    "implausible_amount",
)
FUND_RULES = ("not_a_deposit", "exceeds_owed", "exceeds_available")
GOODS_RULES = ("loan_limit_reached", "not_borrowed")

# Every kind's rule (what a raw signed transaction may break).
KIND_RULES = (
    "invalid_exchange",
    "invalid_commons_gift",
    "invalid_commons_payment",
    "exceeds_pot",
    "invalid_pledge",
    "invalid_allocation",
    "invalid_delivery",
    "invalid_release",
    "invalid_contribution",
    "invalid_deposit",
    "invalid_repayment",
    "invalid_grant",
    "invalid_disbursement",
    "invalid_good_deposit",
    "invalid_loan",
    "invalid_return",
    "invalid_give",
    "invalid_good_transfer",
    "invalid_correction",
    "execution_mismatch",
)

# A transaction sent raw: every shape rule, every kind's, reversal and batch.
RAW_TRANSACTION = (
    *SIGNATURES[1:],
    *CLIENT_ID,
    *ACCOUNTS,
    *BOUNDS,
    *KIND_RULES,
    *PLEDGE_RULES,
    *FUND_RULES,
    *GOODS_RULES,
    "invalid_unit",
    "invalid_bounds",
    "too_few_postings",
    "duplicate_account",
    "transaction_not_balanced",
    "reversal_kind_mismatch",
    "memo_salt_required",
    "transaction_not_found",
    "reversal_not_inverse",
    "already_reversed",
    "idempotency_key_mismatch",
    "batch_aborted",
)

# A round's steps.
ROUND_RULES = (
    *SIGNATURES,
    *CLIENT_ID,
    "not_found",
    "invalid_round",
    "round_exists",
    "round_moved",
    "round_phase",
    "not_on_roll",
    "deadline_passed",
    "manifest_changed",
    "infeasible_allocation",
    "amendments_exhausted",
    "round_outcome_mismatch",
    "execution_mismatch",
    # A roll named from the groups: the group must be there (and be the city's for its
    # representatives); a snapshot's voters are held to it.
    "group_rule",
    "roll_mismatch",
)

# A time-bank proposal answered.
PROPOSAL_ANSWER = ("not_found", "proposal_not_yours", "proposal_not_pending", "proposal_expired")
