"""What each problem type means, in English, as ``contracts/problems.md`` lists it (a
test holds the two in step): ``GET /api/v1/problems/{code}`` answers it, so that a
problem's ``type`` is a URI the service itself serves."""

from __future__ import annotations

PROBLEM_MEANINGS: dict[str, str] = {
    "malformed_request": "the body is not JSON, or not decodable",
    "not_authenticated": "no bearer token, or an unknown or expired one",
    "not_authorised": (
        "the principal may not do this (for instance spend from an account it does not own)"
    ),
    "not_found": "the resource in the path does not exist, or is not visible to the principal",
    "method_not_allowed": "the path exists, but not with this method",
    "exceeds_balance_min": "a debit would take the account below its `balance_min`",
    "exceeds_balance_max": "a credit would take the account above its `balance_max`",
    "already_reversed": "the transaction has already been reversed",
    "proposal_not_pending": "the exchange proposal was already confirmed or rejected",
    "proposal_expired": (
        "the exchange proposal expired before it was answered (never auto-accepted)"
    ),
    "proposal_not_yours": (
        "only the proposal's receiver (or a coordinator bringing a custodial signature) answers it"
    ),
    "account_exists": "an account with this id was opened before (with the same request: a replay)",
    "bounds_exclude_balance": (
        "new bounds would leave the account's current balance outside them (the facts say by "
        "how much)"
    ),
    "unknown_bounds_default": (
        "an account's bounds change follows a default change that does not precede it, or "
        "carries other bounds"
    ),
    "key_already_registered": "this public key is already in the registry (or is the log key)",
    "recovery_not_pending": (
        "the recovery named is unknown, of another member, cancelled or already completed"
    ),
    "recovery_not_due": (
        "a recovery completed before its request's signed time plus the wait it states"
    ),
    "request_too_large": "the body exceeds `MUTUAL_MAX_BODY_BYTES`",
    "unsupported_media_type": "the body is not JSON",
    "invalid_request": (
        "the body or a parameter does not match the schema (see `errors`), a required "
        "parameter is missing, or a query parameter is not one the operation declares (each "
        "named in `detail`, the first in `field`)"
    ),
    "unsigned": (
        "a pooling flow sent without `signatures`: not a failure but its first step; the "
        "body's `signing_payload` is the transaction the service composed, to sign (under the"
        " prefix named by `domain`: `mutual/transaction/v1`, or `mutual/ballot/v1` for a "
        "ballot) and send back in the same request with the same `id`; a round's execution, "
        "made of one transaction per resource, also lists every payload in "
        "`signing_payloads`, each signed and sent back keyed by its id. Nothing is written"
    ),
    "loan_limit_reached": (
        "shared goods: the member would hold more items on loan, all points and kinds "
        "together, than `MUTUAL_OPEN_LOANS_MAX`"
    ),
    "not_borrowed": "shared goods: a return of more items than the loan still has out",
    "invalid_quarter": "a quarter is written like `2027-Q1`",
    "quarter_ended": "pledges: no pledge nor allocation for a quarter that is over",
    "quarter_not_ended": "pledges: a quarter's release waits for its end",
    "exceeds_held": "pledges: an allocation of more than the pool holds of that member's pledge",
    "exceeds_allocation": (
        "pledges: a delivery of more than was allocated to that member for that project and "
        "quarter, and not yet delivered"
    ),
    "nothing_to_release": "pledges: the pool holds nothing of that quarter",
    "not_a_deposit": "fund: only a deposit is repaid; a gift belongs to the fund",
    "exceeds_owed": "fund: a repayment of more than the deposit still owed",
    "exceeds_available": (
        "fund: a grant (or an early repayment of a deposit not yet due) of more than the "
        "fund's available balance (its balance minus deposits due by the end of the next "
        "quarter)"
    ),
    "reserved_id": (
        "a client-chosen id (a transaction's, a flow's, an account's, a key event's, a round "
        "step's) is a name-based UUID of version 5, the namespace of the ids the service "
        "derives (`contracts/derived-ids.md`); choose a UUIDv7. Never kept: the id stays free"
        " for its derivation"
    ),
    "invalid_exchange": (
        "an exchange touches only plain accounts (members' and organisations' time accounts, "
        "never a pledge, fund or goods account)"
    ),
    "invalid_commons_gift": (
        "a gift to the commons pot moves hours from one member's or organisation's own TIME "
        "account into the pot (a gift to a pool opened without a role touches only plain "
        "accounts)"
    ),
    "invalid_commons_payment": (
        "a payment from the commons pot moves hours from the pot to one member's or "
        "organisation's own TIME account"
    ),
    "exceeds_pot": "commons: a payment of more than the commons pot holds",
    "invalid_pledge": (
        "a pledge moves the promise account of member m for quarter Q into the held share of "
        "the same m and Q, and names Q"
    ),
    "invalid_allocation": (
        "an allocation names its quarter and decision, debits only held shares and credits "
        "only allocations of that quarter, each member's allocations equal to what their held"
        " share gives"
    ),
    "invalid_delivery": (
        "a delivery moves from the allocation of member m to project P for quarter Q (named "
        "in references) to P's PLEDGE account"
    ),
    "invalid_release": (
        "a release has the quarter's derived id and moves each held share it names, emptied, "
        "back to the same member's promise"
    ),
    "invalid_contribution": (
        "a gift moves from the partner account of the partner named to the fund"
    ),
    "invalid_deposit": (
        "a deposit moves from its own deposit account (derived from its id) to the fund"
    ),
    "invalid_repayment": (
        "a repayment moves from the fund to the deposit account of the contribution named"
    ),
    "invalid_grant": (
        "a grant debits the fund alone and credits projects' EUR accounts (the project named,"
        " if any)"
    ),
    "invalid_disbursement": (
        "a disbursement moves from the EUR account of the project named to the payees"
    ),
    "invalid_good_deposit": (
        "a deposit of goods moves from the intake to the stock of the point named, in one kind"
    ),
    "invalid_loan": (
        "a loan moves from the stock of the point named to the loan account of the member "
        "named, at that point"
    ),
    "invalid_return": "a return moves from a loan account back to the stock of the same point",
    "invalid_give": "a gift of goods moves from the stock to the given account of the point named",
    "invalid_good_transfer": (
        "a transfer moves from the stock of the point named to another point's stock of the "
        "same kind"
    ),
    "invalid_correction": (
        "a correction touches only what an exchange may (plain accounts, a project's TIME "
        "account): the pooling tools' movements are undone by their own flows"
    ),
    "execution_mismatch": (
        "rounds: a transaction naming a round is that round's execution, decided and not yet "
        "executed: the decision's hash, the execution's derived id, and each project credited"
        " exactly what the decision gives"
    ),
    "invalid_duration": (
        "a duration is a positive whole number of the territory's steps (15 minutes by default)"
    ),
    "self_exchange": "the provider and the receiver of an exchange are two different members",
    "implausible_amount": (
        "an amount no one means: an exchange over 24 h, a pledge over 500 h for a quarter, a "
        "balance limit beyond ±1,000 h (the page asks for a confirmation from 8 h, 40 h and "
        "±200 h)"
    ),
    "invalid_unit": "a unit other than `TIME`, `PLEDGE`, `EUR` or `GOOD.<slug>`",
    "invalid_bounds": "`balance_min` exceeds `balance_max`",
    "amount_zero": "a posting moves zero",
    "amount_out_of_range": (
        "an amount or bound beyond ±(2^53 − 1), the integers RFC 8785 signs exactly"
    ),
    "too_few_postings": "fewer than two postings",
    "duplicate_account": "an account appears twice in one transaction",
    "transaction_not_balanced": "the postings of some unit do not sum to zero",
    "reversal_kind_mismatch": (
        "`reverses` is set exactly when the kind is `correction`, and here it is not"
    ),
    "account_not_found": "a posting names an account that does not exist",
    "unit_mismatch": "a posting's unit is not its account's unit",
    "transaction_not_found": "`reverses` names a transaction that does not exist",
    "reversal_not_inverse": "a correction's postings are not the exact inverse of the original's",
    "idempotency_key_reused": (
        "this id was already used for a different request (or a different account); a "
        "webhook's `Idempotency-Key` already created one with another request"
    ),
    "replay_not_yours": (
        "the same transaction again, from a principal who neither sent it first nor reads "
        "every transaction: its recorded answer is not shown"
    ),
    "idempotency_key_mismatch": (
        "the `Idempotency-Key` header differs from the id, or is missing from a single "
        "transaction (a reversal without it is `invalid_request`: the header is required "
        "there)"
    ),
    "invalid_cursor": "a pagination cursor this service did not issue for this list",
    "batch_aborted": "in an atomic batch: another item was refused, so nothing was written",
    "memo_salt_required": "a memo without `memo_salt` (base64 of at least 16 random bytes)",
    "invalid_key_event": (
        "a key event without a field its action needs, or with one it does not take"
    ),
    "malformed_signature": (
        "a signature, key id or public key that is not well-formed base64/hex of the right "
        "length, or a key signing twice"
    ),
    "unknown_key": "a signature by a key id the registry does not hold",
    "invalid_signature": "a signature that does not verify over the payload's signed bytes",
    "key_not_valid": (
        "a key used outside the log indexes it was valid between (registered after, revoked "
        "or rotated before), or a witness key signing a transaction"
    ),
    "not_custodian": "a custodial signature by someone not appointed custodian of that principal",
    "signature_required": (
        "a debited account's owner (or custodian), or an operator for the service's accounts,"
        " did not sign; or a key event lacks a signature its rule requires"
    ),
    "key_custody": (
        "a member's key registered, revoked or recovered without the member's own authority: "
        "registered by someone else or, while the member holds a valid key, without it; "
        "revoked by the log key; a recovery not asked by a coordinator's own operator key, or"
        " cancelled without a valid key of the member (see `contracts/signing.md`)"
    ),
    "invalid_round": (
        "rounds: a step's body or a round's parameters break the round's rules (the field "
        "names which)"
    ),
    "round_exists": "rounds: a second draft for a round id already used",
    "round_moved": (
        "rounds: the round's head or its acts changed since this step was composed (the "
        "service retries a few times before answering this)"
    ),
    "round_phase": "rounds: this step is not allowed in the round's current phase",
    "not_on_roll": (
        "rounds: a stance or a ballot by someone not on the roll frozen in the round's manifest"
    ),
    "deadline_passed": "rounds: a submission, stance, amendment or ballot after its deadline",
    "manifest_changed": (
        "rounds: a ballot names another manifest than the one frozen at the snapshot (a "
        "change of the manifest means cancelling the round)"
    ),
    "infeasible_allocation": (
        "rounds: a proposal's lines exceed a budget, a project's ask, or fall below its minimum"
    ),
    "amendments_exhausted": "rounds: the round allows no further amended version of the proposal",
    "round_outcome_mismatch": (
        "rounds: a closing entry states an outcome its round's stances or ballots do not give"
        " (an offline verifier finding)"
    ),
    "sign_in_failed": (
        "signing in: a wrong login or password (the same answer for both, after the same "
        "work), or a sign-in link's token that is unknown, used or expired"
    ),
    "csrf_token_invalid": (
        "a write authenticated by the `mutual_session` cookie without the session's token in "
        "`X-CSRF-Token` (a bearer token needs none)"
    ),
    "login_taken": "the login is another principal's (logins compare without regard to case)",
    "invitation_invalid": (
        "an invitation's token or short code that is unknown, used or expired (a coordinator "
        "can make a new one); nothing is written"
    ),
    "reset_code_invalid": (
        "a password reset's one-time code that is wrong, used or expired, or a login that has"
        " none (the same answer for each); nothing is written"
    ),
    "current_password_wrong": (
        "changing one's password with a wrong current one (counted towards the login's lock, "
        "as at sign-in)"
    ),
    "too_many_requests": "rate limited",
    "internal_error": "a fault of the service; never caused by client input",
    "ledger_invariant_violated": (
        "the database refused what the rules accepted: a bug, reported and written nowhere"
    ),
    "service_unavailable": (
        "the database cannot answer now; retry after `Retry-After` seconds with the same id"
    ),
}
